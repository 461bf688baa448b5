import { projectionGroups } from "../projections/registry.ts";

export type GroupName = keyof typeof projectionGroups;

export const groupNames = Object.keys(projectionGroups) as GroupName[];

/**
 * The tables each projection group's rows live in. A rebuild writes into a shadow schema holding
 * only these tables (its connections' search path and Prisma's schema name point there), so a
 * projection writing a table missing here fails the rebuild instead of touching the live ones.
 */
export const groupTables: Record<GroupName, readonly string[]> = {
  "read-models": ["PurchaseOrder", "POLineItem", "ProductDraft", "DraftPublication"],
  images: ["ProductImage", "ImageReviewSession", "ImageReviewProduct", "ImageReviewProductImage"],
  "stage-log": ["WorkflowStage"],
  optimization: ["ImageOptimizationJob", "ImageOptimizationItem"],
};

/**
 * Groups rebuilt together: the images group moves the drafts' revisions, deletes drafts and its
 * tables reference them, so its rows depend on the drafts', and a swap of the drafts' table alone
 * would leave the live images' foreign keys on the retired one.
 */
const needs: Partial<Record<GroupName, readonly GroupName[]>> = { images: ["read-models"], "read-models": ["images"] };

/** The groups to rebuild for the ones asked for, in the registry's order (parents first). */
export function withDependencies(asked: readonly GroupName[]): GroupName[] {
  const wanted = new Set<GroupName>();
  const add = (group: GroupName) => {
    if (wanted.has(group)) return;
    wanted.add(group);
    for (const dependency of needs[group] ?? []) add(dependency);
  };
  asked.forEach(add);
  return groupNames.filter((group) => wanted.has(group));
}

export const isGroupName = (name: string): name is GroupName => (groupNames as string[]).includes(name);

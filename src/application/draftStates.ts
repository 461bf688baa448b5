import type { ProductDraftState } from "../domain/productDraftEvents.ts";
import type { EventStore } from "../eventstore/port.ts";
import { productDrafts } from "./aggregates.ts";
import type { Loaded } from "./commandHandler.ts";

const KEPT_DRAFTS = 10_000;

/**
 * The processors' last known state of each draft: what they read, moved on by what they wrote, so
 * the next stage of a draft (its images' attachment after its search) decides without reading the
 * stream again. A state from here may be old, which is safe only for a decision that appends: its
 * revision guard fails if the draft moved, and it is taken again on a fresh read. So the cache holds
 * only live drafts (a deletion ends a draft for good) and forgets a draft whose decision failed.
 */
export class DraftStates {
  private readonly known = new Map<string, Loaded<ProductDraftState>>();

  constructor(private readonly store: EventStore) {}

  /** The draft as last known here, else as read now. */
  async load(draftId: string): Promise<Loaded<ProductDraftState>> {
    return this.known.get(draftId) ?? this.read(draftId);
  }

  /** The draft as the log has it now. */
  async read(draftId: string): Promise<Loaded<ProductDraftState>> {
    const loaded = await productDrafts.load(this.store, draftId);
    this.remember(draftId, loaded);
    return loaded;
  }

  remember(draftId: string, loaded: Loaded<ProductDraftState>): void {
    this.known.delete(draftId);
    if (loaded.state.status !== "active") return;
    this.known.set(draftId, loaded);
    if (this.known.size > KEPT_DRAFTS) this.known.delete(this.known.keys().next().value!);
  }

  forget(draftId: string): void {
    this.known.delete(draftId);
  }
}

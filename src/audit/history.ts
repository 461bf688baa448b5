import type { EventStore, RecordedEvent } from "../eventstore/port.ts";
import { NotFound } from "../errors.ts";
import { purchaseOrderStream } from "../domain/purchaseOrder.ts";
import { audited, entryOf, merchantOf, transitions, type AuditedEvent } from "./auditedEvents.ts";
import { causationLinks, correlatedLog, correlatedLogs } from "./correlation.ts";
import { categoryOf, deciderOf, MERCHANT_CATEGORIES } from "./streamKinds.ts";

/** Who reads: the admin key sees every stream and `$all`; a merchant only its own streams, and another's are not found. */
export type Auditor = { kind: "admin" } | { kind: "merchant"; merchantId: string };

/** A page of a stream (by revision) or of the log (by position): from `from` inclusive, either way. */
export type Page = { from?: bigint; direction: "forwards" | "backwards"; limit: number };

const merchantScope = (auditor: Auditor) => (auditor.kind === "merchant" ? auditor.merchantId : undefined);

/**
 * Cursors are the query of the neighbouring page, so a client follows them both ways without knowing
 * their shape. `keys` are the revisions (or positions) shown; `more` says the page stopped short of
 * the end it was read towards, `fromEnd` that it began at the other end.
 */
function pageLinks(base: string, page: Page, keys: bigint[], more: boolean, fromEnd: boolean) {
  const link = (from: bigint, direction: Page["direction"]) =>
    `${base}${base.includes("?") ? "&" : "?"}from=${from}&direction=${direction}&limit=${page.limit}`;
  if (keys.length === 0) return { next: null, previous: null };
  const low = keys.reduce((a, b) => (a < b ? a : b));
  const high = keys.reduce((a, b) => (a > b ? a : b));
  const forwards = page.direction === "forwards";
  const [hasOlder, hasNewer] = forwards ? [!fromEnd, more] : [more, !fromEnd];
  return {
    next: hasNewer ? link(high + 1n, "forwards") : null,
    previous: hasOlder && low > 0n ? link(low - 1n, "backwards") : null,
  };
}

/** The page's events as entries, linked to causes and effects among their correlations' events. */
async function annotate(store: EventStore, page: AuditedEvent[], folded: AuditedEvent[], merchantId: string | undefined) {
  const linked = new Map<string, AuditedEvent>();
  const correlations = page.flatMap(({ recorded }) =>
    typeof recorded.metadata.correlationId === "string" ? [recorded.metadata.correlationId] : [],
  );
  for (const event of [...(await correlatedLogs(store, correlations, merchantId)), ...page]) linked.set(event.recorded.id, event);
  const links = causationLinks([...linked.values()].sort((a, b) => (a.recorded.position < b.recorded.position ? -1 : 1)));
  const states = transitions(folded);
  return page.map((event) => entryOf(event, states.get(event), links));
}

/** One stream's events, each with its metadata, causes and effects, and (for a decider's stream) its state after and the diff. */
export async function streamHistory(store: EventStore, auditor: Auditor, streamName: string, page: Page) {
  const notFound = new NotFound("Stream", streamName);
  if (auditor.kind === "merchant" && !MERCHANT_CATEGORIES.includes(categoryOf(streamName))) throw notFound;
  const [first] = await store.readStream(streamName, { maxCount: 1 });
  if (!first || (auditor.kind === "merchant" && merchantOf(audited(first)) !== auditor.merchantId)) throw notFound;
  const [newest] = await store.readStream(streamName, { direction: "backwards", maxCount: 1 });
  const lastRevision = newest!.revision;
  const forwards = page.direction === "forwards";
  const from = page.from ?? (forwards ? 0n : lastRevision);
  const [low, wantedHigh] = forwards ? [from, from + BigInt(page.limit) - 1n] : [from - BigInt(page.limit) + 1n, from];
  const high = wantedHigh < lastRevision ? wantedHigh : lastRevision;
  const start = low < 0n ? 0n : low;
  // A decider's state after an event needs the stream from its start.
  const read =
    start > high
      ? []
      : deciderOf(streamName)
        ? await store.readStream(streamName, { maxCount: Number(high + 1n) })
        : await store.readStream(streamName, { fromRevision: start, maxCount: Number(high - start + 1n) });
  const folded = read.map(audited);
  const onPage = folded.filter(({ recorded }) => recorded.revision >= start && recorded.revision <= high);
  const events = await annotate(store, forwards ? onPage : [...onPage].reverse(), folded, merchantScope(auditor));
  return {
    streamName,
    lastRevision: lastRevision.toString(),
    events,
    ...pageLinks(
      `/streams/${encodeURIComponent(streamName)}`,
      page,
      onPage.map((e) => e.recorded.revision),
      forwards ? high < lastRevision : start > 0n,
      forwards ? from === 0n : from >= lastRevision,
    ),
  };
}

export type AllPage = Page & { since?: Date; until?: Date };

/** `$all`, for the admin key: events only (a state belongs to a stream, and pages of `$all` cut streams). */
export async function allHistory(store: EventStore, auditor: Auditor, page: AllPage) {
  if (auditor.kind !== "admin") throw new NotFound("Stream", "$all");
  const forwards = page.direction === "forwards";
  const from = page.from ?? (forwards ? await firstPositionSince(store, page.since) : await lastPositionUntil(store, page.until));
  const inRange = (event: RecordedEvent) => (!page.since || event.created >= page.since) && (!page.until || event.created <= page.until);
  const read = from === undefined ? [] : await store.readAll({ direction: page.direction, fromPosition: from, maxCount: page.limit + 1 });
  const within = read.filter(inRange);
  const shown = within.slice(0, page.limit).map(audited);
  // A page of $all spans many POs: reading each one's streams would cost more than the page, so its
  // links stay within it, and each event's own stream page follows the rest.
  const links = causationLinks(shown, { partial: true });
  const events = shown.map((event) => entryOf(event, undefined, links));
  const query = new URLSearchParams({
    ...(page.since && { since: page.since.toISOString() }),
    ...(page.until && { until: page.until.toISOString() }),
  }).toString();
  const more = within.length > page.limit;
  const atStart = page.from === undefined && !(forwards ? page.since : page.until);
  return {
    streamName: "$all",
    events,
    ...pageLinks(
      `/audit/all${query ? `?${query}` : ""}`,
      page,
      shown.map((e) => e.recorded.position),
      more,
      atStart,
    ),
  };
}

/**
 * The first position at or after a time, by bisection over positions: the log's times rise with its
 * positions, so this reads about log2(n) events. (EventStoreDB's positions are byte offsets it will
 * not read from mid-record: time ranges are for the database's log.)
 */
async function firstPositionSince(store: EventStore, since: Date | undefined): Promise<bigint | undefined> {
  const [oldest] = await store.readAll({ maxCount: 1 });
  if (!oldest || !since || oldest.created >= since) return oldest?.position;
  const [newest] = await store.readAll({ direction: "backwards", maxCount: 1 });
  if (!newest || newest.created < since) return undefined;
  const firstAt = async (position: bigint) => (await store.readAll({ fromPosition: position, maxCount: 1 }))[0]!;
  let [low, high] = [oldest.position + 1n, newest.position];
  while (low < high) {
    const middle = (low + high) / 2n;
    if ((await firstAt(middle)).created >= since) high = middle;
    else low = middle + 1n;
  }
  return (await firstAt(low)).position;
}

async function lastPositionUntil(store: EventStore, until: Date | undefined): Promise<bigint | undefined> {
  const [newest] = await store.readAll({ direction: "backwards", maxCount: 1 });
  if (!newest || !until || newest.created <= until) return newest?.position;
  const after = await firstPositionSince(store, new Date(until.getTime() + 1));
  if (after === undefined) return newest.position;
  const [before] = await store.readAll({ direction: "backwards", fromPosition: after - 1n, maxCount: 1 });
  return before?.position;
}

/** Everything of one purchase order (its stream, stage log, review and every draft's stream), in log order, with states and diffs. */
export async function purchaseOrderHistory(store: EventStore, auditor: Auditor, purchaseOrderId: string, page: Page) {
  const log = await correlatedLog(store, purchaseOrderId);
  const owner = log.find((e) => e.recorded.streamName === purchaseOrderStream(purchaseOrderId));
  if (!owner || (auditor.kind === "merchant" && merchantOf(owner) !== auditor.merchantId))
    throw new NotFound("Purchase order", purchaseOrderId);
  const mine = log.filter((e) => merchantOf(e) === merchantOf(owner));
  const forwards = page.direction === "forwards";
  const ordered = forwards ? mine : [...mine].reverse();
  const from = page.from;
  const startsAt =
    from === undefined ? 0 : ordered.findIndex((e) => (forwards ? e.recorded.position >= from : e.recorded.position <= from));
  const shown = startsAt < 0 ? [] : ordered.slice(startsAt, startsAt + page.limit);
  const links = causationLinks(mine);
  const states = transitions(mine);
  const more = startsAt >= 0 && startsAt + page.limit < ordered.length;
  return {
    purchaseOrderId,
    events: shown.map((event) => entryOf(event, states.get(event), links)),
    ...pageLinks(
      `/audit/purchase-orders/${purchaseOrderId}/history`,
      page,
      shown.map((e) => e.recorded.position),
      more,
      from === undefined,
    ),
  };
}

/**
 * The generic cell rate algorithm: the whole limiter state is one number, the theoretical arrival
 * time (TAT) of the next request. A request is allowed once now ≥ TAT − burst·interval; granting it
 * moves the TAT one interval on. With burst 0 requests are evenly spaced, so no sliding minute ever
 * holds more than maxRPM of them (Replicate's limit is per minute, not per bucket refill).
 * Times are integer microseconds so spacing never rounds below the interval. Timers wake up to a
 * millisecond late; a grant that late keeps its slot (no drift), and the interval is stretched by
 * 1 ms per minute so that tolerance can never squeeze maxRPM + 1 requests into a minute.
 * A request may weigh more than one unit (Shopify's query cost in points): it then takes `cost`
 * intervals, so with a burst of B the state is a leaky bucket of B + 1 units restoring one an interval.
 */
export type GcraState = { tatUs: number };
export type GcraSettings = { maxPerMinute: number; burst?: number };
export type GcraDecision = { granted: true; state: GcraState } | { granted: false; waitMs: number };

const TIMER_SLACK_US = 1000;

export const intervalUs = (maxPerMinute: number) => Math.ceil((60_000_000 + TIMER_SLACK_US) / maxPerMinute);

export function gcraAcquire(state: GcraState, nowMs: number, settings: GcraSettings, cost = 1): GcraDecision {
  const capacity = (settings.burst ?? 0) + 1;
  if (cost > capacity) throw new RangeError(`A request costing ${cost} can never fit a bucket of ${capacity}`);
  const nowUs = nowMs * 1000;
  const interval = intervalUs(settings.maxPerMinute);
  const tat = Math.max(state.tatUs, nowUs);
  const allowedAt = tat - (capacity - cost) * interval;
  if (nowUs < allowedAt) return { granted: false, waitMs: Math.ceil((allowedAt - nowUs) / 1000) };
  return { granted: true, state: { tatUs: Math.max(state.tatUs, nowUs - TIMER_SLACK_US) + cost * interval } };
}

/** A 429's Retry-After (or a THROTTLED answer) holds every requester back until then: the bucket is empty at that moment. */
export function gcraHoldUntil(state: GcraState, untilMs: number, settings: GcraSettings): GcraState {
  return { tatUs: Math.max(state.tatUs, untilMs * 1000 + (settings.burst ?? 0) * intervalUs(settings.maxPerMinute)) };
}

import { describe, expect, it } from "vitest";
import { matchesFilter, type ReadAllOptions, type RecordedEvent, type SubscriptionFilter } from "../../src/eventstore/port.ts";
import { RecentLog } from "../../src/eventstore/recentLog.ts";

/** A small deterministic generator, so a failure names the seed that reproduces it. */
function random(seed: number) {
  let state = seed >>> 0;
  return (below: number) => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state % below;
  };
}

const types = ["DraftCreated", "ImagesAttached", "StageStarted", "StageCompleted"];
const filters: (SubscriptionFilter | undefined)[] = [
  undefined,
  { eventTypePrefixes: ["Stage"] },
  { eventTypePrefixes: ["ImagesAttached", "Draft"] },
];

const event = (position: bigint, type: string): RecordedEvent => ({
  id: `e${position}`,
  type,
  data: {},
  metadata: {},
  streamName: `s-${position % 7n}`,
  revision: 0n,
  position,
  created: new Date(0),
});

/** What the database answers: every event from `fromPosition` that passes the filter, up to `settled`. */
const direct = (log: RecordedEvent[], options: ReadAllOptions, settled: bigint) =>
  log
    .filter((e) => e.position >= (options.fromPosition ?? 0n) && e.position <= settled && matchesFilter(e, options.filter))
    .slice(0, options.maxCount);

describe("the recent log every subscription of a process shares", () => {
  it("answers as the database would, or not at all, whatever the reads, the filters and the settled heads", async () => {
    let served = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const next = random(seed);
      const log: RecordedEvent[] = [];
      let reads = 0;
      const recent = new RecentLog(async (after, upTo, maxCount) => {
        reads++;
        return log.filter((e) => e.position > after && e.position <= upTo).slice(0, maxCount);
      });
      let settled = 0n;
      for (let step = 0; step < 40; step++) {
        // Positions have gaps (rolled-back appends draw them too); the settled head only goes forward.
        const appended = next(4) === 0 ? next(3000) : next(30);
        for (let i = 0; i < appended; i++) log.push(event((log.at(-1)?.position ?? 0n) + 1n + BigInt(next(3)), types[next(types.length)]!));
        settled = log.at(-1)?.position ?? 0n;
        const asked = next(3) === 0 ? settled - BigInt(next(50)) : settled;
        const options: ReadAllOptions = {
          fromPosition: next(5) === 0 ? undefined : asked - BigInt(next(40)),
          maxCount: [1, 10, 500][next(3)],
          filter: filters[next(filters.length)],
        };
        const answer = await recent.read(options, asked < 0n ? 0n : asked);
        if (answer === undefined) continue;
        served++;
        expect(answer, `seed ${seed}, step ${step}`).toEqual(direct(log, options, asked < 0n ? 0n : asked));
      }
      // Reads at the head are served from memory: far fewer database reads than questions.
      expect(reads, `seed ${seed}`).toBeLessThan(40);
    }
    expect(served).toBeGreaterThan(40 * 20);
  });

  it("serves subscriptions at the head from one read of the new events", async () => {
    const log = Array.from({ length: 10 }, (_, i) => event(BigInt(i + 1), types[i % types.length]!));
    let reads = 0;
    const recent = new RecentLog(async (after, upTo, maxCount) => {
      reads++;
      return log.filter((e) => e.position > after && e.position <= upTo).slice(0, maxCount);
    });
    expect(await recent.read({ fromPosition: 11n }, 10n)).toBeUndefined();
    log.push(event(11n, "StageStarted"), event(12n, "DraftCreated"));
    const answers = await Promise.all(filters.map((filter) => recent.read({ fromPosition: 11n, filter }, 12n)));
    expect(answers.map((answer) => answer?.map((e) => e.position))).toEqual([[11n, 12n], [11n], [12n]]);
    expect(reads).toBe(1);
    // Behind the window: the caller reads the database itself.
    expect(await recent.read({ fromPosition: 5n }, 12n)).toBeUndefined();
  });
});

import { describe, expect, it } from "vitest";
import { FairQueue } from "../../src/optimization/fairQueue.ts";
import { gcraAcquire, gcraHoldUntil, type GcraState } from "../../src/optimization/gcra.ts";

describe("deficit round robin across merchants", () => {
  it("gives every merchant with queued work an equal share, whatever its backlog", () => {
    const queue = new FairQueue<string>();
    for (let i = 0; i < 1000; i++) queue.push("big", `big-${i}`);
    for (let i = 0; i < 3; i++) queue.push("small", `small-${i}`);
    const first = Array.from({ length: 6 }, () => queue.shift());
    expect(first).toEqual(["big-0", "small-0", "big-1", "small-1", "big-2", "small-2"]);
    expect(queue.shift()).toBe("big-3");
    expect(queue.size).toBe(996);
  });

  it("lets a newcomer in on the next turn, not behind the backlog", () => {
    const queue = new FairQueue<string>();
    for (let i = 0; i < 100; i++) queue.push("a", `a-${i}`);
    queue.shift();
    queue.push("b", "b-0");
    expect([queue.shift(), queue.shift()]).toEqual(["b-0", "a-1"]);
  });

  it("serves in proportion to weights", () => {
    const queue = new FairQueue<string>((flow) => (flow === "gold" ? 2 : 1));
    for (let i = 0; i < 30; i++) queue.push("gold", "g");
    for (let i = 0; i < 30; i++) queue.push("basic", "b");
    const served = Array.from({ length: 30 }, () => queue.shift());
    expect(served.filter((s) => s === "g")).toHaveLength(20);
  });

  it("drops items claimed or cancelled elsewhere, and reports sizes per merchant", () => {
    const queue = new FairQueue<number>();
    for (let i = 0; i < 10; i++) queue.push(i % 2 ? "odd" : "even", i);
    queue.removeWhere((n) => n % 2 === 1);
    expect(queue.sizes()).toEqual(new Map([["even", 5]]));
    expect(Array.from({ length: 6 }, () => queue.shift())).toEqual([0, 2, 4, 6, 8, undefined]);
  });
});

describe("the GCRA limiter", () => {
  const settings = { maxPerMinute: 450 };

  it("spaces requests so that no sliding minute holds more than the limit", () => {
    let state: GcraState = { tatUs: 0 };
    let now = 1_000_000;
    const granted: number[] = [];
    while (granted.length < 2000) {
      const decision = gcraAcquire(state, now, settings);
      if (decision.granted) {
        state = decision.state;
        granted.push(now);
      } else {
        now += decision.waitMs;
      }
    }
    let worst = 0;
    for (let i = 0, j = 0; i < granted.length; i++) {
      while (granted[j]! <= granted[i]! - 60_000) j++;
      worst = Math.max(worst, i - j + 1);
    }
    expect(worst).toBe(450);
    const minutes = (granted.at(-1)! - granted[0]!) / 60_000;
    expect(granted.length / minutes).toBeGreaterThan(449);
  });

  it("grants at once when idle and says how long to wait when not", () => {
    const first = gcraAcquire({ tatUs: 0 }, 5_000, settings);
    expect(first.granted).toBe(true);
    const second = gcraAcquire(first.granted ? first.state : { tatUs: 0 }, 5_000, settings);
    expect(second).toEqual({ granted: false, waitMs: 133 });
  });

  it("holds everyone back until a Retry-After has passed", () => {
    const held = gcraHoldUntil({ tatUs: 0 }, 12_000, settings);
    expect(gcraAcquire(held, 10_000, settings)).toEqual({ granted: false, waitMs: 2_000 });
    expect(gcraAcquire(held, 12_000, settings).granted).toBe(true);
  });

  it("with a burst and weighted requests, is a leaky bucket: its size at once, then its restore rate", () => {
    // Shopify's standard bucket: 1,000 points restoring 50 a second.
    const bucket = { maxPerMinute: 3_000, burst: 999 };
    let state: GcraState = { tatUs: 0 };
    let spent = 0;
    for (;;) {
      const decision = gcraAcquire(state, 60_000, bucket, 10);
      if (!decision.granted) {
        // Ten points at fifty a second, give or take the microseconds the interval is stretched by.
        expect(decision.waitMs).toBe(200);
        break;
      }
      state = decision.state;
      spent += 10;
    }
    expect(spent).toBe(1_000);
    expect(gcraAcquire(state, 60_201, bucket, 10).granted).toBe(true);
    expect(() => gcraAcquire({ tatUs: 0 }, 0, bucket, 1_001)).toThrow(RangeError);
  });

  it("after a hold, a bucket with a burst is empty at the moment named, not full", () => {
    const bucket = { maxPerMinute: 3_000, burst: 999 };
    const held = gcraHoldUntil({ tatUs: 0 }, 10_000, bucket);
    expect(gcraAcquire(held, 9_999, bucket).granted).toBe(false);
    expect(gcraAcquire(held, 10_000, bucket).granted).toBe(true);
  });
});

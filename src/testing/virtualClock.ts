import type { Clock } from "../clock.ts";

/** Time that moves only when someone sleeps: retries and timeouts run instantly and repeatably. */
export class VirtualClock implements Clock {
  readonly sleeps: number[] = [];
  private current: number;

  constructor(start = Date.parse("2026-01-01T00:00:00.000Z")) {
    this.current = start;
  }

  now(): Date {
    return new Date(this.current);
  }

  async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.current += ms;
  }
}

/**
 * Lets the merchant-facing fast path (parse, create drafts, the read models they wait for) go
 * first. On the embedded database every query shares one connection, so background image work
 * yields new starts while any foreground work is queued or running; work already started finishes.
 */
export class ForegroundActivity {
  private active = 0;
  private waiters: (() => void)[] = [];

  begin(): void {
    this.active++;
  }

  end(): void {
    this.active--;
    if (this.active === 0) for (const wake of this.waiters.splice(0)) wake();
  }

  idle(): Promise<void> {
    return this.active === 0 ? Promise.resolve() : new Promise((resolve) => this.waiters.push(resolve));
  }
}

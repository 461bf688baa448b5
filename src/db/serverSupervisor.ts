/** A server process as launched: when it exits, and how to stop it. */
export type Launched = { exited: Promise<void>; stop(): Promise<void> };
const RELAUNCH_DELAYS_MS = [100, 250, 500, 1_000, 2_000];

/**
 * The app owns its embedded server, so nobody else would start it again: a server that exits other
 * than through stop() (killed, crashed) is relaunched on the same port and data, after a short and
 * growing delay (a killed server's backends may hold its shared memory for a moment). The app's
 * connections fail meanwhile — the API answers 503 — and reconnect on their own once it is back.
 */
export async function supervise(start: () => Promise<Launched>): Promise<{ stop(): Promise<void> }> {
  let current: Launched | undefined = await start();
  let stopping = false;
  let relaunching: Promise<void> = Promise.resolve();
  const relaunch = async () => {
    for (let attempt = 0; !stopping; attempt++) {
      await new Promise((done) => setTimeout(done, RELAUNCH_DELAYS_MS[Math.min(attempt, RELAUNCH_DELAYS_MS.length - 1)]));
      if (stopping) return;
      try {
        current = await start();
        void current.exited.then(onExit);
        return;
      } catch {
        // Still held by the old server's processes, or the port is taken for a moment: try again.
      }
    }
  };
  const onExit = () => {
    current = undefined;
    if (!stopping) relaunching = relaunch();
  };
  void current.exited.then(onExit);
  return {
    stop: async () => {
      stopping = true;
      await relaunching;
      await current?.stop();
    },
  };
}

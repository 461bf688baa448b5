import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";

const root = new URL("../..", import.meta.url).pathname;

export type AppProcess = { child: ChildProcessWithoutNullStreams; baseUrl: Promise<string>; exited: Promise<unknown> };

/** `npm start`'s entry point in a process of its own, with this environment; resolves its address once it logs it. */
export function startAppProcess(env: NodeJS.ProcessEnv): AppProcess {
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], { cwd: root, env });
  let output = "";
  const baseUrl = new Promise<string>((resolve, reject) => {
    child.stdout.on("data", (chunk) => {
      output += chunk;
      const match = /"address":"(http:[^"]+)"/.exec(output);
      if (match) resolve(match[1]!);
    });
    child.stderr.on("data", (chunk) => (output += chunk));
    child.on("exit", () => reject(new Error(`the app exited before listening:\n${output}`)));
  });
  // A caller that never awaits the address (a process killed before listening) must not see an unhandled rejection.
  baseUrl.catch(() => undefined);
  return { child, baseUrl, exited: new Promise((resolve) => child.on("exit", resolve)) };
}

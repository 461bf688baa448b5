import Fastify from "fastify";
import { describe, expect, it } from "vitest";
import { closeKeptAliveConnections } from "../../src/http/closeKeptAlive.ts";

describe("closing the server while a request is being answered", () => {
  it("answers it, closes its connection, and does not wait out the keep-alive timeout", async () => {
    const app = Fastify({ keepAliveTimeout: 10 * 60_000 });
    closeKeptAliveConnections(app);
    let answer!: () => void;
    const answered = new Promise<void>((resolve) => (answer = resolve));
    let arrived!: () => void;
    const inFlight = new Promise<void>((resolve) => (arrived = resolve));
    app.get("/slow", async () => {
      arrived();
      await answered;
      return { done: true };
    });
    // Answered once the close has begun (hooks run in the order they were added).
    app.addHook("preClose", async () => answer());
    const url = await app.listen({ port: 0, host: "127.0.0.1" });
    const response = fetch(`${url}/slow`);
    await inFlight;
    const closed = app.close();
    const res = await response;
    expect(res.headers.get("connection")).toBe("close");
    expect(await res.json()).toEqual({ done: true });
    // Without the hook this waits for the ten-minute keep-alive timeout, past the test's own.
    await closed;
  });
});

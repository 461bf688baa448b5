import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { merchantA, startTestSystem, type TestSystem } from "../support/system.ts";

const LIMIT = 64 * 1024;

describe("MAX_UPLOAD_BYTES", () => {
  let t: TestSystem;
  beforeAll(async () => {
    t = await startTestSystem({ maxUploadBytes: LIMIT });
  });
  afterAll(() => t.stop());

  it("is enforced while the body streams: a 10 MB upload is refused with 413 after little more than the limit was sent", async () => {
    const { hostname, port } = new URL(t.baseUrl);
    const boundary = "----limit-test";
    const head = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="huge.csv"\r\nContent-Type: text/csv\r\n\r\nSKU,Title,Qty\r\n`;
    const declared = 10 * 1024 * 1024;
    const socket = connect(Number(port), hostname);
    let answer = "";
    let sent = 0;
    const answered = new Promise<void>((resolve) => socket.on("data", (chunk) => ((answer += chunk.toString()), resolve())));
    socket.on("error", () => undefined);
    await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
    socket.write(
      `POST /purchase-orders HTTP/1.1\r\nHost: ${hostname}\r\nAuthorization: Bearer ${merchantA.key}\r\n` +
        `Content-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: ${declared}\r\n\r\n${head}`,
    );
    // Sends slowly, never the whole declared body: a server that buffered it first would never answer.
    const line = "A-1,Apple,1\r\n".repeat(512);
    let done = false;
    void answered.then(() => (done = true));
    while (!done && sent < declared / 2) {
      socket.write(line);
      sent += line.length;
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    socket.destroy();
    expect(answer).toMatch(/^HTTP\/1\.1 413/);
    expect(sent).toBeLessThan(LIMIT * 8);
  });
});

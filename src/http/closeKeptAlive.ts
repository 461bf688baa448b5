import type { FastifyInstance } from "fastify";

/**
 * Once the server is closing, every answer still on its way asks the client to close the
 * connection. Closing only ends the connections idle at that moment: one that was busy would
 * otherwise stay kept alive after its answer, and the close wait out its keep-alive timeout (72 s).
 */
export function closeKeptAliveConnections(app: FastifyInstance): void {
  let closing = false;
  app.addHook("preClose", async () => {
    closing = true;
  });
  app.addHook("onSend", async (_request, reply, payload) => {
    if (closing) reply.header("connection", "close");
    return payload;
  });
}

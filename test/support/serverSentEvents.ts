export type ServerSentEvent = { id?: string; event: string; data: string };

/** Reads a text/event-stream response as it arrives, the way a browser's EventSource would. */
export async function readServerSentEvents(url: string, headers: Record<string, string>) {
  const controller = new AbortController();
  const response = await fetch(url, { headers: { accept: "text/event-stream", ...headers }, signal: controller.signal });
  if (response.status !== 200 || !response.body) throw new Error(`${url} answered ${response.status}: ${await response.text()}`);
  const events: ServerSentEvent[] = [];
  const listeners = new Set<() => void>();
  const decoder = new TextDecoder();
  let buffer = "";
  void (async () => {
    try {
      const reader = response.body!.getReader();
      for (let read = await reader.read(); !read.done; read = await reader.read()) {
        buffer += decoder.decode(read.value, { stream: true });
        let end: number;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields = new Map<string, string>();
          for (const line of block.split("\n")) {
            if (line.startsWith(":")) continue;
            const colon = line.indexOf(":");
            fields.set(line.slice(0, colon), line.slice(colon + 1).trimStart());
          }
          if (fields.has("event")) events.push({ id: fields.get("id"), event: fields.get("event")!, data: fields.get("data") ?? "" });
        }
        for (const listener of listeners) listener();
      }
    } catch {
      // Aborted by close().
    }
  })();
  return {
    events,
    /** Resolves with the events so far (caught-up markers left out) once `done` holds for them. */
    until(done: (events: ServerSentEvent[]) => boolean, timeoutMs = 15_000): Promise<ServerSentEvent[]> {
      const domainEvents = () => events.filter((e) => e.event !== "caught-up");
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new Error(
                `the stream did not get there in ${timeoutMs} ms; saw ${domainEvents()
                  .map((e) => e.event)
                  .join(", ")}`,
              ),
            ),
          timeoutMs,
        );
        const check = () => {
          if (!done(domainEvents())) return;
          clearTimeout(timer);
          listeners.delete(check);
          resolve(domainEvents());
        };
        listeners.add(check);
        check();
      });
    },
    close: () => controller.abort(),
  };
}

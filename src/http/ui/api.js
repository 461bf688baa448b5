// Talks to the API with the merchant's key, kept for this browser tab's session only.
const KEY = "po-pipeline.api-key";

export const credentials = {
  get: () => sessionStorage.getItem(KEY),
  set: (key) => sessionStorage.setItem(KEY, key),
  clear: () => sessionStorage.removeItem(KEY),
};

export class ApiError extends Error {
  constructor(status, message, issues) {
    super(message);
    this.status = status;
    this.issues = issues;
  }
}

export async function api(path, { method = "GET", json, form, headers: extra = {} } = {}) {
  const headers = { ...extra, authorization: `Bearer ${credentials.get()}` };
  if (json !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(path, { method, headers, body: json !== undefined ? JSON.stringify(json) : form });
  if (response.status === 204) return null;
  const body = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, body?.message ?? `${method} ${path} answered ${response.status}`, body?.issues);
  return body;
}

/**
 * Follows a PO's server-sent events. EventSource cannot send the Authorization header, so this reads
 * the stream with fetch, and on a dropped connection resumes after the last event it saw.
 */
export function followPurchaseOrder(id, onEvent) {
  const controller = new AbortController();
  let lastEventId;
  let retryMs = 500;
  async function connect() {
    const headers = { authorization: `Bearer ${credentials.get()}`, accept: "text/event-stream" };
    if (lastEventId) headers["last-event-id"] = lastEventId;
    const response = await fetch(`/purchase-orders/${id}/events`, { headers, signal: controller.signal });
    if (!response.ok || !response.body) throw new ApiError(response.status, "the live updates could not start");
    retryMs = 500;
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const fields = Object.fromEntries(
          block
            .split("\n")
            .filter((l) => l && !l.startsWith(":"))
            .map((l) => [l.slice(0, l.indexOf(":")), l.slice(l.indexOf(":") + 1).trimStart()]),
        );
        if (fields.id) lastEventId = fields.id;
        if (fields.event) onEvent(fields.event);
      }
    }
  }
  (async () => {
    while (!controller.signal.aborted) {
      try {
        await connect();
      } catch (error) {
        if (controller.signal.aborted || (error instanceof ApiError && error.status === 404)) return;
      }
      await new Promise((resolve) => setTimeout(resolve, retryMs));
      retryMs = Math.min(retryMs * 2, 10_000);
    }
  })();
  return () => controller.abort();
}

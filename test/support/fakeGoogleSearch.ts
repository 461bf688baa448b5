import { createServer, type Server } from "node:http";

export type FakeGoogleResponse = { status: number; body?: unknown; headers?: Record<string, string> };

/**
 * A local server speaking the Custom Search JSON API (GET /customsearch/v1). Scripted responses
 * are served first (429s, 5xx…); after them every query finds two images named after it.
 */
export async function startFakeGoogleSearch(options: { apiKey: string; cx: string; latencyMs?: () => number }) {
  const script: FakeGoogleResponse[] = [];
  const requests: URLSearchParams[] = [];
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    requests.push(url.searchParams);
    const reply = ({ status, body, headers = {} }: FakeGoogleResponse) => {
      response.writeHead(status, { "content-type": "application/json", ...headers });
      response.end(body === undefined ? "" : JSON.stringify(body));
    };
    if (url.pathname !== "/customsearch/v1") return reply({ status: 404, body: { error: { code: 404, message: "Not Found" } } });
    if (url.searchParams.get("key") !== options.apiKey)
      return reply({ status: 400, body: { error: { code: 400, message: "API key not valid" } } });
    if (url.searchParams.get("cx") !== options.cx) return reply({ status: 400, body: { error: { code: 400, message: "Invalid cx" } } });
    const scripted = script.shift();
    if (scripted) return reply(scripted);
    const q = encodeURIComponent(url.searchParams.get("q") ?? "");
    setTimeout(
      () =>
        reply({
          status: 200,
          body: {
            kind: "customsearch#search",
            items: [1, 2].map((n) => ({ kind: "customsearch#result", link: `https://images.example.test/${q}/${n}.jpg` })),
          },
        }),
      options.latencyMs?.() ?? 0,
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    endpoint: `http://127.0.0.1:${port}/customsearch/v1`,
    script,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

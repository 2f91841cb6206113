import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listen } from './http-server.js';

export type Handler = (req: IncomingMessage & { body: string; url: string }, res: ServerResponse) => void | Promise<void>;

/** A real HTTP server for the third parties we cannot reach here (Turnstile, Google, GitHub). */
export async function startProviderServer(routes: Record<string, Handler>) {
  const calls: Array<{ method: string; path: string; body: string; headers: IncomingMessage['headers'] }> = [];
  const server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += String(chunk);
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    calls.push({ method: req.method ?? '', path, body, headers: req.headers });
    const handler = routes[`${req.method} ${path}`];
    if (!handler) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not_found"}');
      return;
    }
    await handler(Object.assign(req, { body, url: req.url ?? '/' }), res);
  });
  const listening = await listen(server);
  return { url: `http://127.0.0.1:${listening.port}`, calls, routes, close: listening.close };
}

export function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { listen } from './http-server.js';

export interface HookCall {
  readonly action: string | null;
  readonly headers: IncomingHttpHeaders;
  readonly rawBody: string;
  readonly body: Record<string, unknown>;
}

export interface HookReply {
  status?: number;
  body?: string | Record<string, unknown>;
  delayMs?: number;
}

/** A real HTTP server receiving the gateway's webhooks; replies are set per action. */
export async function startHookReceiver() {
  const calls: HookCall[] = [];
  const replies: Record<string, HookReply> = {};
  const server: Server = createServer(async (req, res) => {
    let rawBody = '';
    for await (const chunk of req) rawBody += String(chunk);
    const action = new URL(req.url ?? '/', 'http://x').searchParams.get('action');
    calls.push({ action, headers: req.headers, rawBody, body: JSON.parse(rawBody) as Record<string, unknown> });
    const reply = replies[action ?? ''] ?? {};
    if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
    const body = reply.body ?? {};
    res.writeHead(reply.status ?? 200, { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json' });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  });
  const listening = await listen(server);
  return {
    url: `http://127.0.0.1:${listening.port}/authura/hook`,
    calls,
    replies,
    reset() {
      calls.length = 0;
      for (const key of Object.keys(replies)) delete replies[key];
    },
    close: listening.close,
  };
}

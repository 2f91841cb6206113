/**
 * `npm run bench:layers`: what each of the gateway's per-request middlewares costs on its own. A
 * trivial JSON route on @hono/node-server is driven by autocannon with no middleware, with five
 * empty ones, and with each real one alone (metrics; request id and security headers, as the
 * gateway writes them on Node's response and as `c.header` would; one request-header read);
 * every variant runs twice, in alternation, in this run.
 * Not part of `npm test`.
 */
import { serve } from '@hono/node-server';
import autocannon from 'autocannon';
import { Hono, type MiddlewareHandler } from 'hono';
import { randomUUID } from 'node:crypto';
import { measureRequests } from '../src/http/observe.js';
import { createMetrics } from '../src/observability/metrics.js';
import { requestIdAndSecurityHeaders, SECURITY_HEADERS } from '../src/http/security-headers.js';

const SEVEN = Object.entries(SECURITY_HEADERS);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
const noop: MiddlewareHandler = async (_c, next) => next();
const VARIANTS: Record<string, () => MiddlewareHandler[]> = {
  'no middleware': () => [],
  'five empty middlewares': () => [noop, noop, noop, noop, noop],
  'one request-header read': () => [
    async (c, next) => {
      c.req.header('authorization');
      return next();
    },
  ],
  'metrics (prom-client)': () => [measureRequests(createMetrics()) as MiddlewareHandler],
  'request id + 7 security headers, through c.header': () => [
    async (c, next) => {
      for (const [name, value] of SEVEN) c.header(name, value);
      c.header('X-Request-Id', randomUUID());
      return next();
    },
  ],
  'request id + 7 security headers, the gateway\'s (on Node\'s response)': () => [requestIdAndSecurityHeaders({ hsts: false })],
};

async function measure(layers: MiddlewareHandler[]): Promise<number> {
  const app = new Hono();
  for (const layer of layers) app.use(layer);
  app.get('/x', (c) => c.json({ ok: true }));
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s));
  });
  try {
    const { port } = server.address() as { port: number };
    const result = await autocannon({ url: `http://127.0.0.1:${port}/x`, connections: 32, duration: SECONDS });
    if (result.non2xx > 0 || result.errors > 0) throw new Error(`${result.non2xx} non-2xx, ${result.errors} errors`);
    return result.requests.average;
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

const results = new Map<string, number[]>();
for (let round = 0; round < 2; round++) {
  for (const [name, make] of Object.entries(VARIANTS)) results.set(name, [...(results.get(name) ?? []), await measure(make())]);
}
const base = (results.get('no middleware') ?? [1]).reduce((a, b) => a + b) / 2;
process.stdout.write('| variant | req/s (mean of 2) | ÷ no middleware |\n| --- | --- | --- |\n');
for (const [name, runs] of results) {
  const mean = runs.reduce((a, b) => a + b) / runs.length;
  process.stdout.write(`| ${name} | ${mean.toFixed(0)} | ${(mean / base).toFixed(2)} |\n`);
}

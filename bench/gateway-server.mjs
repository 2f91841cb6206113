// The gateway as the benchmark runs it: the compiled app (dist/, as `npm start` runs it) from the
// real config, plus — only here, never in the product — a bare Hono route on the same server to
// compare against, two floors (below), a seeded user, and an IPC channel reporting event-loop
// delay, memory and CPU time.
// Started by bench/run.ts after `npm run build`.
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createApp } from '../dist/app.js';
import { migrate } from '../dist/backends/migrate.js';
import { loadConfig } from '../dist/config/load-config.js';
import { createLogger } from '../dist/core/logger.js';
import { buildDeps } from '../dist/deps.js';

const config = loadConfig(process.env, { devSecrets: false });
if (config.backend.kind === 'postgres') await migrate(config.backend);
const deps = await buildDeps(config, { logger: createLogger('error') });
const email = process.env.BENCH_EMAIL;
const password = process.env.BENCH_PASSWORD;
const user =
  (await deps.backend.findByEmail(email, null)) ??
  (await deps.backend.create({ email, role: 'user', password: await deps.hasher.hash(password), tenant_id: null, verified_at: new Date().toISOString() }));

const root = new Hono();
root.get('/bare', (c) => c.json({ ok: true }));
// Floors, beside the bare route and without any middleware: the store read of GET /user alone,
// and the three jose operations of POST /refresh alone (verify one token, sign two). No route
// doing that work can go faster than these on this machine.
root.get('/bench/floor/store-read', async (c) => {
  const found = await deps.backend.findById(String(user.id), null);
  return c.json({ user: { id: found.id, email: found.email, role: found.role, tenant_id: found.tenant_id, verified_at: found.verified_at } });
});
root.post('/bench/floor/jose', async (c) => {
  const { refresh_token: token } = await c.req.json();
  await deps.tokens.refresh.verify(token, null);
  return c.json(await deps.tokens.issue(user));
});
// The same trivial answer behind every middleware of the gateway: what the stack itself costs.
const app = createApp(deps);
app.get('/bench/stack', (c) => c.json({ ok: true }));
root.route('/', app);

const delay = monitorEventLoopDelay({ resolution: 1 });
delay.enable();
let peakRss = process.memoryUsage().rss;
setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100).unref();

process.on('message', (message) => {
  if (message === 'reset') {
    delay.reset();
    peakRss = process.memoryUsage().rss;
    process.send({ reset: true });
  } else if (message === 'stats') {
    process.send({ p99Ms: delay.percentile(99) / 1e6, maxMs: delay.max / 1e6, peakRssMb: peakRss / 2 ** 20 });
  } else if (message === 'cpu') {
    // User + system time of the whole process (main thread, hashing threads, libuv's pool), µs.
    const { user: userTime, system } = process.cpuUsage();
    process.send({ cpuUs: userTime + system });
  }
});

serve({ fetch: root.fetch, hostname: '127.0.0.1', port: 0 }, (info) => process.send({ port: info.port }));

import { serve, type ServerType } from '@hono/node-server';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { createApp } from './app.js';
import { createBackend } from './backends/create-backend.js';
import type { Config } from './config/load-config.js';
import type { Deps } from './deps.js';
import { createLogger, type Logger } from './logger.js';
import { createMailer } from './mail/mailer.js';
import { createBcryptHasher } from './passwords/hasher.js';
import { createHashPool } from './passwords/worker-pool.js';
import { TokenService } from './tokens/token-service.js';
import { ensureInitialUser } from './users/initial-user.js';
import { createExtensions } from './extensions/create-extensions.js';
import { createHookClient } from './hooks/hook-client.js';
import { createAudit } from './audit.js';
import { createMetrics, observedBackend, observedHashPool, observedHooks } from './metrics.js';
import { createLimits } from './rate-limit/limits.js';
import { createCaptcha } from './captcha/turnstile.js';
import { createMemoryStore } from './rate-limit/store.js';
import { systemClock, type Clock } from './clock.js';

/** How long shutdown waits for in-flight requests. */
const DRAIN_MS = 8000;

export interface RunningServer {
  readonly deps: Deps;
  readonly server: ServerType;
  readonly url: string;
  /** Stops accepting, lets in-flight requests finish, then closes mail and backend. */
  close(): Promise<void>;
}

/**
 * Requests Node refuses before Hono sees them (oversized headers, malformed HTTP) still get
 * the JSON error shape rather than Node's bare default.
 */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (!socket.writable || (error.code === 'ECONNRESET')) {
    socket.destroy();
    return;
  }
  const [status, body] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? ['431 Request Header Fields Too Large', { error: 'headers_too_large', message: 'The request headers are too large' }]
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? ['408 Request Timeout', { error: 'request_timeout', message: 'The request did not arrive in time (HEADERS_TIMEOUT, REQUEST_TIMEOUT)' }]
        : ['400 Bad Request', { error: 'bad_request', message: 'The request is not valid HTTP' }];
  const text = JSON.stringify(body);
  socket.end(
    `HTTP/1.1 ${status}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\n` +
      `Cache-Control: no-store\r\nConnection: close\r\n\r\n${text}`,
  );
}

export interface BuildOptions {
  readonly logger?: Logger;
  /** Where audit lines go (stdout by default; tests capture them). */
  readonly auditWrite?: (line: string) => void;
  readonly clock?: Clock;
}

/** Builds every dependency from the config. */
export async function buildDeps(config: Config, options: BuildOptions = {}): Promise<Deps> {
  const { logger = createLogger(config.logLevel), auditWrite, clock = systemClock } = options;
  const tokens = new TokenService(config);
  await tokens.ready();
  const metrics = createMetrics();
  const pool = observedHashPool(createHashPool({ size: config.passwords.threads, queueLimit: config.passwords.queueLimit }), metrics);
  return {
    config,
    clock,
    logger,
    audit: createAudit(config.audit, logger, auditWrite, () => metrics.auditDropped()),
    metrics,
    backend: observedBackend(await createBackend(config.backend, logger), metrics),
    tokens,
    mailer: await createMailer(config.mail, logger),
    hasher: await createBcryptHasher(pool, config.passwords.cost),
    hooks: observedHooks(createHookClient(config.hooks), metrics),
    extensions: createExtensions(config),
    // Optional features load their libraries only when configured (memory and start-up time).
    oauthProviders:
      config.oauth.providers.length > 0 ? (await import('./oauth/create-providers.js')).createOAuthProviders(config) : new Map(),
    captcha: createCaptcha(config.captcha),
    limits: createLimits(
      config.limits,
      config.limits.redisUrl
        ? (await import('./rate-limit/redis-store.js')).createRedisStore(config.limits.redisUrl, { timeoutMs: config.backend.timeoutMs })
        : createMemoryStore(),
      logger,
    ),
  };
}

/** Starts listening on the config's host and port (port 0 picks a free one). */
export async function startServer(config: Config, given?: Deps): Promise<RunningServer> {
  const deps = given ?? (await buildDeps(config));
  await ensureInitialUser(deps);
  const app = createApp(deps);
  // In-flight requests, so shutdown can wait for exactly those and no idle socket.
  let inFlight = 0;
  const fetch: typeof app.fetch = async (...args) => {
    inFlight += 1;
    try {
      return await app.fetch(...args);
    } finally {
      inFlight -= 1;
    }
  };
  const address = await new Promise<{ server: ServerType; info: AddressInfo }>((resolve) => {
    const { headersTimeoutMs, requestTimeoutMs } = config.server;
    const serverOptions = {
      // A client that trickles its headers or body (slowloris) is cut off: 408, connection closed.
      headersTimeout: headersTimeoutMs,
      requestTimeout: requestTimeoutMs,
      // Node checks those limits on this period (30 s by default, which would stretch them).
      connectionsCheckingInterval: Math.min(1000, headersTimeoutMs),
    };
    const server = serve({ fetch, hostname: config.server.host, port: config.server.port, serverOptions }, (info) => resolve({ server, info }));
  });
  // Past the cap, Node closes new connections at once instead of letting them pile up.
  (address.server as Server).maxConnections = config.server.maxConnections;
  address.server.on('clientError', answerClientError);
  const host = address.info.family === 'IPv6' ? `[${address.info.address}]` : address.info.address;
  let closing: Promise<void> | undefined;
  return {
    deps,
    server: address.server,
    url: `http://${host}:${address.info.port}`,
    close() {
      closing ??= (async () => {
        const server = address.server as Server;
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        // In-flight requests finish (up to the drain limit); then every socket goes, including
        // keep-alive and preconnected ones that would otherwise hold close() for a minute.
        const deadline = Date.now() + DRAIN_MS;
        while (inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        server.closeAllConnections();
        await closed;
        deps.mailer.close();
        await deps.limits.close();
        await deps.hasher.close();
        await deps.backend.close();
      })();
      return closing;
    },
  };
}

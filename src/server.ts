import { serve, type ServerType } from '@hono/node-server';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { ensureInitialUser } from './accounts/initial-user.js';
import { createApp } from './app.js';
import type { Config } from './config/types.js';
import { TRANSPORT_ERRORS } from './core/errors.js';
import { buildDeps, type Deps } from './deps.js';
import { StartupError } from './process/startup.js';

/** How long shutdown waits for in-flight requests. */
const DRAIN_MS = 8000;

export interface RunningServer {
  readonly deps: Deps;
  readonly server: ServerType;
  readonly url: string;
  /** The admin listener's address (ADMIN_PORT), when it is on. */
  readonly adminUrl: string | undefined;
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
  const code = error.code === 'HPE_HEADER_OVERFLOW' ? 'headers_too_large' : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 'request_timeout' : 'bad_request';
  const { line: status, message } = TRANSPORT_ERRORS[code];
  const text = JSON.stringify({ error: code, message });
  socket.end(
    `HTTP/1.1 ${status}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\n` +
      `Cache-Control: no-store\r\nConnection: close\r\n\r\n${text}`,
  );
}

/** Starts listening on the config's host and port (port 0 picks a free one). */
export async function startServer(config: Config, given?: Deps): Promise<RunningServer> {
  const deps = given ?? (await buildDeps(config));
  await ensureInitialUser(deps, config.backend.initialUser);
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
  const address = await new Promise<{ server: ServerType; info: AddressInfo }>((resolve, reject) => {
    const { headersTimeoutMs, requestTimeoutMs } = config.server;
    const serverOptions = {
      // A client that trickles its headers or body (slowloris) is cut off: 408, connection closed.
      headersTimeout: headersTimeoutMs,
      requestTimeout: requestTimeoutMs,
      // Node checks those limits on this period (30 s by default, which would stretch them).
      connectionsCheckingInterval: Math.min(1000, headersTimeoutMs),
    };
    const server = serve({ fetch, hostname: config.server.host, port: config.server.port, serverOptions }, (info) => resolve({ server, info }));
    server.once('error', (error: NodeJS.ErrnoException) => {
      const where = `${config.server.host}:${config.server.port}`;
      const reason =
        error.code === 'EADDRINUSE'
          ? `PORT ${config.server.port} is already in use on ${config.server.host} (another process listens there)`
          : error.code === 'EACCES'
            ? `PORT ${config.server.port} may not be used by this user on ${config.server.host}`
            : error.code === 'EADDRNOTAVAIL'
              ? `HOST ${config.server.host} is not an address of this machine`
              : `cannot listen on ${where}: ${error.message}`;
      reject(new StartupError(reason, { cause: error }));
    });
  });
  const admin = config.admin ? await listenAdmin(config, deps).catch(async (error: unknown) => {
    address.server.close();
    throw error;
  }) : undefined;
  // Past the cap, Node closes new connections at once instead of letting them pile up.
  (address.server as Server).maxConnections = config.server.maxConnections;
  address.server.on('clientError', answerClientError);
  const host = address.info.family === 'IPv6' ? `[${address.info.address}]` : address.info.address;
  let closing: Promise<void> | undefined;
  return {
    deps,
    server: address.server,
    url: `http://${host}:${address.info.port}`,
    adminUrl: admin?.url,
    close() {
      closing ??= (async () => {
        const server = address.server as Server;
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        const adminClosed = admin ? new Promise<void>((resolve) => admin.server.close(() => resolve())) : Promise.resolve();
        // In-flight requests finish (up to the drain limit); then every socket goes, including
        // keep-alive and preconnected ones that would otherwise hold close() for a minute.
        const deadline = Date.now() + DRAIN_MS;
        while (inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        server.closeAllConnections();
        admin?.server.closeAllConnections();
        await closed;
        await adminClosed;
        deps.mailer.close();
        await deps.limits.close();
        await deps.hasher.close();
        await deps.spentLinks.close();
        await deps.backend.close();
      })();
      return closing;
    },
  };
}

/** The admin API's own listener (ADMIN_HOST:ADMIN_PORT): never the public port. */
async function listenAdmin(config: Config, deps: Deps): Promise<{ server: Server; url: string }> {
  const settings = config.admin as NonNullable<Config['admin']>;
  const { createAdminApp } = await import('./admin/app.js');
  const app = createAdminApp(deps);
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname: settings.host, port: settings.port, serverOptions: { headersTimeout: config.server.headersTimeoutMs, requestTimeout: config.server.requestTimeoutMs } }, (info) => {
      const host = info.family === 'IPv6' ? `[${info.address}]` : info.address;
      resolve({ server: server as Server, url: `http://${host}:${info.port}` });
    }) as Server;
    server.once('error', (error: NodeJS.ErrnoException) => {
      const reason = error.code === 'EADDRINUSE' ? `ADMIN_PORT ${settings.port} is already in use on ${settings.host}` : `cannot listen on ${settings.host}:${settings.port} (ADMIN_HOST, ADMIN_PORT): ${error.message}`;
      reject(new StartupError(reason, { cause: error }));
    });
  });
}

import { connect, createServer, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  readonly port: number;
  /** Refuses new connections and cuts every open one, as a stopped server does. */
  pause(): Promise<void>;
  /** Keeps listening but hangs up on every connection at once (a server that is starting up). */
  hangUp(): void;
  /** Resolves once `n` connections have arrived since the proxy started. */
  arrivals(n: number): Promise<void>;
  /** Listens again on the same port (or stops hanging up). */
  resume(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A TCP proxy on 127.0.0.1 in front of `target`, which a test can take down and bring back —
 * a server "stopping" without stopping a server other test files share.
 */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const open = new Set<Socket>();
  let hangingUp = false;
  let arrived = 0;
  const waiting: { n: number; resolve: () => void }[] = [];
  const server: Server = createServer((client) => {
    arrived += 1;
    for (const waiter of waiting.filter((w) => arrived >= w.n)) waiter.resolve();
    if (hangingUp) {
      client.destroy();
      return;
    }
    const upstream = connect(target.port, target.host);
    for (const socket of [client, upstream]) {
      open.add(socket);
      socket.on('close', () => open.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.removeListener('error', reject);
        resolve((server.address() as { port: number }).port);
      });
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      for (const socket of open) socket.destroy();
      server.close(() => resolve());
    });
  const port = await listen(0);
  return {
    port,
    pause: stop,
    hangUp() {
      hangingUp = true;
      for (const socket of open) socket.destroy();
    },
    arrivals: (n) => (arrived >= n ? Promise.resolve() : new Promise((resolve) => waiting.push({ n, resolve }))),
    resume: async () => {
      hangingUp = false;
      if (!server.listening) await listen(port);
    },
    close: async () => {
      if (server.listening) await stop();
    },
  };
}

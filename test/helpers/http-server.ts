import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A test server on 127.0.0.1 that can be taken down and brought back on the same port. */
export interface Listening {
  readonly port: number;
  /** Stops listening and drops every connection (calls are refused) until `resume`. */
  pause(): Promise<void>;
  resume(): Promise<void>;
  close(): Promise<void>;
}

export async function listen(server: Server): Promise<Listening> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  const stop = async () => {
    const closed = server.listening ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve();
    server.closeAllConnections();
    await closed;
  };
  return {
    port,
    pause: stop,
    resume: () => new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve())),
    close: stop,
  };
}

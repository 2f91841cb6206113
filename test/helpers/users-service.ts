import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { listen } from './http-server.js';

export interface ServiceFaults {
  delayMs?: number;
  /** Answer 200 with a body that is not JSON. */
  garbage?: boolean;
  /** Answer every call with this status. */
  status?: number;
  /** Answer lookups with a user missing its password. */
  malformedRows?: boolean;
  /** Accept a PATCH of session_version but do not store it (a service that does not keep one). */
  dropSessionVersion?: boolean;
}

/**
 * A real HTTP users service implementing the README's REST contract over its own SQLite
 * database, with UUID ids (so the gateway is tested with string ids), an auth header check,
 * the optional `session_version` field, and switchable faults.
 */
export async function startUsersService(auth: { name: string; value: string }) {
  const db = new Database(':memory:');
  db.exec(`CREATE TABLE users (id TEXT PRIMARY KEY, email TEXT NOT NULL, role TEXT NOT NULL, password TEXT NOT NULL,
           tenant_id TEXT, verified_at TEXT, session_version INTEGER NOT NULL DEFAULT 0);
           CREATE UNIQUE INDEX u ON users (email, ifnull(tenant_id, ''));`);
  const faults: ServiceFaults = {};
  const calls: Array<{ method: string; url: string; auth: string | undefined }> = [];

  const send = (res: ServerResponse, status: number, body?: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(body === undefined ? '' : JSON.stringify(body));
  };
  const readJson = async (req: IncomingMessage): Promise<Record<string, unknown>> => {
    let text = '';
    for await (const chunk of req) text += String(chunk);
    return JSON.parse(text) as Record<string, unknown>;
  };
  const out = (row: unknown) => {
    if (!row) return row;
    const user = { ...(row as Record<string, unknown>) };
    if (faults.malformedRows) delete user.password;
    return user;
  };

  const server: Server = createServer(async (req, res) => {
    calls.push({ method: req.method ?? '', url: req.url ?? '', auth: req.headers[auth.name.toLowerCase()] as string | undefined });
    if (faults.delayMs) {
      await new Promise((r) => setTimeout(r, faults.delayMs));
      // A well-behaved service does not carry out a call its client gave up on.
      if (req.socket.destroyed) return;
    }
    if (faults.garbage) return void res.end('<<garbage>>');
    if (faults.status) return send(res, faults.status, { error: 'fault' });
    if (req.headers[auth.name.toLowerCase()] !== auth.value) return send(res, 401, { error: 'unauthorized' });
    const url = new URL(req.url ?? '/', 'http://x');
    const tenant = url.searchParams.get('tenant_id');
    const id = /^\/users\/([^/]+)$/.exec(url.pathname)?.[1];
    try {
      if (req.method === 'GET' && url.pathname === '/users') {
        const row = db.prepare('SELECT * FROM users WHERE email = ? AND tenant_id IS ?').get(url.searchParams.get('email'), tenant);
        return row ? send(res, 200, out(row)) : send(res, 404, { error: 'not found' });
      }
      if (req.method === 'GET' && id) {
        const row = db.prepare('SELECT * FROM users WHERE id = ? AND tenant_id IS ?').get(decodeURIComponent(id), tenant);
        return row ? send(res, 200, out(row)) : send(res, 404, { error: 'not found' });
      }
      if (req.method === 'POST' && url.pathname === '/users') {
        const body = await readJson(req);
        const row = db
          .prepare('INSERT INTO users (id, email, role, password, tenant_id, verified_at) VALUES (@id, @email, @role, @password, @tenant_id, @verified_at) RETURNING *')
          .get({ id: randomUUID(), email: body.email, role: body.role, password: body.password, tenant_id: body.tenant_id ?? null, verified_at: body.verified_at ?? null });
        return send(res, 201, out(row));
      }
      if (req.method === 'PATCH' && id) {
        const body = await readJson(req);
        const allowed = ['email', 'role', 'password', 'verified_at', 'session_version'].filter(
          (k) => k in body && !(k === 'session_version' && faults.dropSessionVersion),
        );
        const set = allowed.map((k) => `${k} = @${k}`).join(', ');
        const params = { ...Object.fromEntries(allowed.map((k) => [k, body[k]])), id: decodeURIComponent(id), tenant };
        const row = set
          ? db.prepare(`UPDATE users SET ${set} WHERE id = @id AND tenant_id IS @tenant RETURNING *`).get(params)
          : db.prepare('SELECT * FROM users WHERE id = @id AND tenant_id IS @tenant').get(params);
        return row ? send(res, 200, out(row)) : send(res, 404, { error: 'not found' });
      }
      return send(res, 405, { error: 'method not allowed' });
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') return send(res, 409, { error: 'email taken' });
      return send(res, 500, { error: 'internal' });
    }
  });
  const listening = await listen(server);
  return {
    url: `http://127.0.0.1:${listening.port}/users`,
    port: listening.port,
    faults,
    calls,
    db,
    pause: listening.pause,
    resume: listening.resume,
    async close() {
      await listening.close();
      db.close();
    },
  };
}

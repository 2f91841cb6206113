// Serves the single-page app example: its files, the built client (`npm run build -w client`)
// under /authura-client/, and /config.json naming the gateway. Development only.
//
//   GATEWAY_URL=http://localhost:9000 node examples/spa/serve.mjs   → http://localhost:5173
//
// GATEWAY_URL  the gateway (its EXTERNAL_URL; list this app's origin in its ALLOWED_ORIGINS)
// TENANT       the tenant the app signs in to (multi-tenancy), if any
// PORT         this server's port (5173)
// CLIENT_DIST  the built client (client/dist)
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { dirname, extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const clientDist = resolve(process.env.CLIENT_DIST ?? join(here, '../../client/dist'));
const gatewayUrl = process.env.GATEWAY_URL ?? 'http://localhost:9000';
const port = Number(process.env.PORT ?? 5173);
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.json': 'application/json' };
const config = JSON.stringify({ gatewayUrl, tenant: process.env.TENANT ?? null });
// The page talks to itself and to the gateway only.
const policy = `default-src 'self'; connect-src 'self' ${new URL(gatewayUrl).origin}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;

/** The file for `path` inside `root`, never outside it. */
function inside(root, path) {
  const file = normalize(join(root, path));
  return file.startsWith(`${root}/`) ? file : undefined;
}

createServer(async (request, response) => {
  const { pathname } = new URL(request.url ?? '/', 'http://localhost');
  const file = pathname === '/config.json' ? undefined : pathname.startsWith('/authura-client/') ? inside(clientDist, pathname.slice('/authura-client'.length)) : inside(here, pathname === '/' ? '/index.html' : pathname);
  const headers = { 'content-security-policy': policy, 'x-content-type-options': 'nosniff' };
  if (pathname === '/favicon.ico') return response.writeHead(204, headers).end();
  if (pathname === '/config.json') return response.writeHead(200, { ...headers, 'content-type': TYPES['.json'] }).end(config);
  if (file === undefined || !(extname(file) in TYPES)) return response.writeHead(404, headers).end('not found');
  // Read first: a missing file is a 404, not a second set of headers after the 200's.
  const content = await readFile(file).catch(() => undefined);
  if (content === undefined) return response.writeHead(404, headers).end('not found');
  response.writeHead(200, { ...headers, 'content-type': TYPES[extname(file)] }).end(content);
}).listen(port, '127.0.0.1', () => console.log(`example app on http://localhost:${port} (gateway ${gatewayUrl})`));

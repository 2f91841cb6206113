import { Hono } from 'hono';
import { html, raw } from 'hono/html';
import type { Deps } from '../deps.js';
import type { AppEnv } from '../http/context.js';
import { buildOpenApi } from '../openapi.js';

/** GET /openapi.json (generated once from the request schemas) and GET /docs, a plain page of it. */
export function docsRoutes(deps: Deps): Hono<AppEnv> {
  const document = buildOpenApi(deps.config);
  const text = JSON.stringify(document, null, 2);
  const paths = document.paths as Record<string, Record<string, { summary: string; requestBody?: unknown; security?: unknown }>>;
  const page = html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Authura API</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 900px; margin: 0 auto; padding: 24px;">
<h1>Authura API</h1>
<p>The full description: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1).</p>
<table style="border-collapse: collapse;">
${raw(
  Object.entries(paths)
    .flatMap(([path, methods]) =>
      Object.entries(methods).map(
        ([method, op]) =>
          `<tr><td style="padding: 4px 12px 4px 0;"><code>${method.toUpperCase()}</code></td><td style="padding: 4px 12px 4px 0;"><code>${escape(path)}</code></td><td>${escape(op.summary)}${op.security ? ' (bearer token)' : ''}</td></tr>`,
      ),
    )
    .join('\n'),
)}
</table>
<h2>Document</h2>
<pre style="background: #f0f4f8; padding: 12px; overflow: auto;">${text}</pre>
</body></html>`;
  const app = new Hono<AppEnv>();
  app.get('/openapi.json', (c) => {
    c.header('Cache-Control', 'public, max-age=300');
    return c.body(text, 200, { 'Content-Type': 'application/json' });
  });
  app.get('/docs', async (c) => c.html(await page));
  return app;
}

function escape(value: string): string {
  return value.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

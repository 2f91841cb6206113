import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import { html, raw } from 'hono/html';
import type { AppServices } from '../services.js';
import { DEFAULT_TEMPLATES_DIR } from '../../mail/templates.js';
import { formSections } from '../form-sections.js';
import { buildOpenApi } from '../openapi.js';
import { route, type RouteSpec } from '../route.js';

/** GET /form: the developer page for every flow (the Authura README's `/form`), its forms from the route table. */
export function formRoute(deps: AppServices, routes: () => readonly RouteSpec[]) {
  const { tenancy } = deps.config;
  const turnstile = deps.captcha.widget;
  const oauthProviders = deps.config.oauth.providers.map((p) => p.name);
  // The captcha's script and frame come from its own origin.
  const captchaOrigin = turnstile ? ` ${new URL(turnstile.script).origin}` : '';
  const hb = Handlebars.create();
  hb.registerPartial('section', readFileSync(join(DEFAULT_TEMPLATES_DIR, 'form-section.hbs'), 'utf8'));
  const page = hb.compile(readFileSync(join(DEFAULT_TEMPLATES_DIR, 'form.hbs'), 'utf8'));
  return route({
    method: 'get',
    path: '/form',
    tag: 'development',
    summary: 'The developer page for every flow',
    ok: { status: 200, description: 'HTML', contentType: 'text/html' },
    errors: [],
    handle(c) {
      const token = c.req.query('token');
      const nonce = randomBytes(16).toString('base64url');
      const body = page({
        ...formSections(routes(), c.req.query('action'), token ? token.slice(0, 8192) : undefined),
        nonce,
        multiTenant: tenancy.enabled,
        tenantHeader: tenancy.tenantHeader,
        tenant: c.req.query('tenant') ?? '',
        turnstile,
        oauthProviders,
      });
      c.header(
        'Content-Security-Policy',
        `default-src 'none'; script-src 'nonce-${nonce}'${captchaOrigin}; style-src 'nonce-${nonce}'; ` +
          `connect-src 'self'${captchaOrigin}; frame-src${captchaOrigin || " 'none'"}; ` +
          "form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
      );
      // The page may carry a mailed token: keep it out of caches and out of Referer headers.
      c.header('Referrer-Policy', 'no-referrer');
      return c.html(body);
    },
  });
}

/** GET /openapi.json (generated once from the route table) and GET /docs, a plain page of it. */
export function docsRoutes(deps: AppServices, routes: () => readonly RouteSpec[]) {
  let built: { text: string; page: Promise<string> } | undefined;
  const document = () => (built ??= render(buildOpenApi(routes(), deps.config)));
  return [
    route({
      method: 'get',
      path: '/openapi.json',
      tag: 'operations',
      summary: 'This document',
      open: true,
      ok: { status: 200, description: 'OpenAPI 3.1' },
      errors: [],
      handle(c) {
        c.header('Cache-Control', 'public, max-age=300');
        return c.body(document().text, 200, { 'Content-Type': 'application/json' });
      },
    }),
    route({
      method: 'get',
      path: '/docs',
      tag: 'operations',
      summary: 'This document as a page',
      open: true,
      ok: { status: 200, description: 'HTML', contentType: 'text/html' },
      errors: [],
      handle: async (c) => c.html(await document().page),
    }),
  ];
}

function render(document: Record<string, unknown>): { text: string; page: Promise<string> } {
  const text = JSON.stringify(document, null, 2);
  const paths = document.paths as Record<string, Record<string, { summary: string; security?: unknown }>>;
  const rows = Object.entries(paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(
      ([method, op]) =>
        `<tr><td style="padding: 4px 12px 4px 0;"><code>${method.toUpperCase()}</code></td><td style="padding: 4px 12px 4px 0;"><code>${escapeHtml(path)}</code></td><td>${escapeHtml(op.summary)}${op.security ? ' (bearer token)' : ''}</td></tr>`,
    ),
  );
  const page = html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Authura API</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 900px; margin: 0 auto; padding: 24px;">
<h1>Authura API</h1>
<p>The full description: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1).</p>
<table style="border-collapse: collapse;">
${raw(rows.join('\n'))}
</table>
<h2>Document</h2>
<pre style="background: #f0f4f8; padding: 12px; overflow: auto;">${text}</pre>
</body></html>`;
  return { text, page: Promise.resolve(page).then(String) };
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import Handlebars from 'handlebars';
import { AppError } from '../../core/errors.js';
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

/** The API reference's files, served from swagger-ui-dist (no CDN): name → content type. */
const DOCS_ASSETS: Readonly<Record<string, string>> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};
const SWAGGER_DIR = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

/**
 * The reference page's policy, for /docs and its files alone: its own script and stylesheet files
 * only (no inline script or style, no eval, no other origin — tested in Chromium, opening an
 * operation and "Try it out" included); `data:` images and fonts, which Swagger UI's stylesheet
 * embeds (icons); `connect-src 'self'` to fetch /openapi.json and to let "Try it out" call this
 * gateway.
 */
const DOCS_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
  "connect-src 'self'; font-src 'self' data:; form-action 'none'; base-uri 'none'; frame-ancestors 'none'";

/** Starts Swagger UI on /openapi.json: a file of its own, so the page needs no inline script. */
const DOCS_INIT = `window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#reference', deepLinking: true, validatorUrl: null });
});
`;

const DOCS_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Authura API</title>
<link rel="stylesheet" href="/docs/swagger-ui.css"><link rel="icon" type="image/png" href="/docs/favicon-32x32.png"></head>
<body><div id="reference"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body></html>
`;

/**
 * GET /openapi.json (generated once from the route table), GET /docs — an API reference (Swagger
 * UI, served from this gateway) — and GET /docs/{file}, its files.
 */
export function docsRoutes(deps: AppServices, routes: () => readonly RouteSpec[]) {
  let built: string | undefined;
  const document = () => (built ??= JSON.stringify(buildOpenApi(routes(), deps.config), null, 2));
  const assets = new Map<string, Uint8Array>();
  const asset = (name: string) => {
    let content = assets.get(name);
    if (content === undefined) {
      content = name === 'init.js' ? new TextEncoder().encode(DOCS_INIT) : readFileSync(join(SWAGGER_DIR, name));
      assets.set(name, content);
    }
    return content;
  };
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
        return c.body(document(), 200, { 'Content-Type': 'application/json' });
      },
    }),
    route({
      method: 'get',
      path: '/docs',
      tag: 'operations',
      summary: 'The API reference (Swagger UI on /openapi.json)',
      open: true,
      ok: { status: 200, description: 'HTML', contentType: 'text/html' },
      errors: [],
      handle(c) {
        c.header('Content-Security-Policy', DOCS_CSP);
        return c.html(DOCS_PAGE);
      },
    }),
    route({
      method: 'get',
      path: '/docs/:file',
      tag: 'operations',
      summary: "The API reference's scripts and stylesheet",
      open: true,
      ok: { status: 200, description: 'A file', contentType: 'text/javascript' },
      errors: ['not_found'],
      handle(c) {
        const name = c.req.param('file') ?? '';
        const type = name === 'init.js' ? 'text/javascript; charset=utf-8' : Object.hasOwn(DOCS_ASSETS, name) ? DOCS_ASSETS[name] : undefined;
        if (type === undefined) throw new AppError('not_found', 'No such file');
        c.header('Content-Security-Policy', DOCS_CSP);
        c.header('Cache-Control', 'public, max-age=86400');
        return c.body(asset(name) as Uint8Array<ArrayBuffer>, 200, { 'Content-Type': type });
      },
    }),
  ];
}

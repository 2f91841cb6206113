import Handlebars from 'handlebars';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Hono } from 'hono';
import type { Deps } from '../deps.js';
import type { AppEnv } from '../http/context.js';
import { formSections } from '../form/sections.js';
import { DEFAULT_TEMPLATES_DIR } from '../mail/templates.js';

/** GET /form: the developer page for every flow (the Authura README's `/form`). */
export function formRoutes(deps: Deps): Hono<AppEnv> {
  const { tenancy } = deps.config;
  const turnstile = deps.captcha.widget;
  const oauthProviders = deps.config.oauth.providers.map((p) => p.name);
  // The captcha's script and frame come from its own origin.
  const captchaOrigin = turnstile ? ` ${new URL(turnstile.script).origin}` : '';
  const hb = Handlebars.create();
  hb.registerPartial('section', readFileSync(join(DEFAULT_TEMPLATES_DIR, 'form-section.hbs'), 'utf8'));
  const page = hb.compile(readFileSync(join(DEFAULT_TEMPLATES_DIR, 'form.hbs'), 'utf8'));
  const app = new Hono<AppEnv>();

  app.get('/form', (c) => {
    const action = c.req.query('action');
    const token = c.req.query('token');
    const nonce = randomBytes(16).toString('base64url');
    const html = page({
      ...formSections(action, token ? token.slice(0, 8192) : undefined),
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
    return c.html(html);
  });

  return app;
}

import { z } from 'zod';
import { resolveRedirect } from '../../accounts/links.js';
import { startPasswordless, verifyPasswordless } from '../../accounts/passwordless.js';
import { captchaField } from '../../captcha/turnstile.js';
import { scopeOf } from '../../http/context.js';
import { deliverTokens } from '../../http/token-delivery.js';
import { BACKEND_ERRORS, HOOK_ERRORS, MAIL_ERRORS, SIGN_IN_ERRORS } from '../error-groups.js';
import { emailField, redirectUrlField, tokenField } from '../fields.js';
import { FIELDS } from '../form-sections.js';
import { route } from '../route.js';
import type { AppServices } from '../services.js';
import { tokensSchema } from '../schemas.js';

const startBody = z.object({ ...captchaField, email: emailField, redirect_url: redirectUrlField.optional() });

/** The mailed code as typed: spaces and dashes between its digits are dropped. */
const codeField = z
  .string({ error: 'expected the mailed code (a string)' })
  .max(32, 'is too long')
  .transform((v) => v.replace(/[\s-]/g, ''))
  .pipe(z.string().regex(/^\d{6,10}$/, 'must be the digits of the mailed code'));

const verifyBody = z
  .object({
    challenge: tokenField.optional().meta({ description: "The device that asked: /passwordless/start's `challenge`, with `code`" }),
    code: codeField.optional().meta({ description: 'The code from the mail, with `challenge`' }),
    token: tokenField.optional().meta({ description: "Any device: the mailed link's `token`, alone" }),
  })
  .superRefine((body, ctx) => {
    if (body.token !== undefined) {
      for (const field of ['challenge', 'code'] as const) {
        if (body[field] !== undefined) ctx.addIssue({ code: 'custom', path: [field], message: 'goes with a challenge, not with a link token: send one or the other' });
      }
      return;
    }
    for (const field of ['challenge', 'code'] as const) {
      if (body[field] === undefined) ctx.addIssue({ code: 'custom', path: [field], message: 'is required (or send the mailed link\'s token alone)' });
    }
  })
  .meta({ description: 'Either `challenge` and `code` (the device that asked), or `token` alone (the mailed link, any device)' });

/** POST /passwordless/start and /passwordless/verify: sign-in with a mailed code or link (PASSWORDLESS_ENABLED). */
export const passwordlessRoutes = (deps: AppServices) => [
  route({
    method: 'post',
    path: '/passwordless/start',
    tag: 'session',
    summary: 'Mail a sign-in code and link (the same answer for every address)',
    body: startBody,
    misplaced: { password: 'is not needed: the mailed code or link signs in', tenant_id: 'comes from the tenant header (TENANT_ID_HEADER) or the host, not the body' },
    captcha: true,
    tenant: 'header',
    ok: { status: 200, description: 'The challenge to send back with the code (kept by the device that asked)', schema: z.object({ challenge: z.string() }) },
    errors: [...MAIL_ERRORS, ...BACKEND_ERRORS],
    form: [{ id: 'passwordless-start', title: 'Sign in without a password: mail me a code', submit: 'mail me a code', fields: [FIELDS.email] }],
    async handle(c, read) {
      const body = await read();
      return c.json(await startPasswordless(deps, scopeOf(c), { email: body.email, redirect: resolveRedirect(deps.config.urls, body.redirect_url) }));
    },
  }),
  route({
    method: 'post',
    path: '/passwordless/verify',
    sessionCookies: true,
    tag: 'session',
    summary: 'Sign in with the mailed code (`challenge` + `code`) or link (`token`); only this POST signs in',
    body: verifyBody,
    // A link opened on another device carries no tenant header: its token names the tenant.
    tenant: 'link',
    ok: { status: 200, description: 'Tokens (as /token answers)', schema: tokensSchema },
    errors: [...SIGN_IN_ERRORS, 'invalid_code', 'invalid_token', 'rate_limited', 'conflict', 'overloaded', ...MAIL_ERRORS, ...BACKEND_ERRORS, ...HOOK_ERRORS],
    hookRefusals: true,
    form: [
      {
        id: 'passwordless-code',
        title: 'Sign in with the mailed code',
        submit: 'sign in',
        fields: [
          { name: 'challenge', label: 'Challenge (filled in when the code was mailed from this page)', type: 'text', required: true },
          { name: 'code', label: 'Code', type: 'text', autocomplete: 'one-time-code', required: true },
        ],
      },
      { id: 'passwordless', title: 'Sign in with the mailed link', submit: 'sign in', mailedLink: true, fields: [] },
    ],
    async handle(c, read) {
      const body = await read();
      const input = body.token !== undefined ? { token: body.token } : { challenge: body.challenge as string, code: body.code as string };
      // No header, no allowed host (multi-tenant): the tenant the challenge or link was signed for.
      const anyTenant = deps.config.tenancy.enabled && c.get('tenantId') === undefined;
      return c.json(deliverTokens(c, deps.config, await verifyPasswordless(deps, scopeOf(c), input, { anyTenant })));
    },
  }),
];

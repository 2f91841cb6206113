import { z } from 'zod';
import { resolveRedirect } from '../../accounts/links.js';
import { redeemLink } from '../../accounts/redeem-link.js';
import { signup } from '../../accounts/signup.js';
import { captchaField } from '../../captcha/turnstile.js';
import type { AppServices } from '../services.js';
import { scopeOf } from '../../http/context.js';
import { deliverTokens } from '../../http/token-delivery.js';
import { emailField, passwordField, redirectUrlField, tokenField } from '../fields.js';
import { BACKEND_ERRORS, HOOK_ERRORS, MAIL_ERRORS, PASSWORD_ERRORS, SIGN_IN_ERRORS } from '../error-groups.js';
import { FIELDS } from '../form-sections.js';
import { route } from '../route.js';
import { emptySchema, tokensSchema, userSchema } from '../schemas.js';

const signupBody = z.object({ ...captchaField, email: emailField, redirect_url: redirectUrlField.optional() });
const verifyBody = z.object({ ...captchaField, token: tokenField, password: passwordField.optional() });

/** POST /signup: mails a signup link (or a notice to an existing account). */
export const signupRoute = (deps: AppServices) =>
  route({
    method: 'post',
    path: '/signup',
    tag: 'account',
    summary: 'Mail a signup link (or a notice to an existing account)',
    body: signupBody,
    misplaced: {
      password: 'is set when the mailed link is followed (POST /verify-email), not at signup',
      role: 'is not chosen at signup: new accounts get DEFAULT_ROLE (an admin can invite with a role)',
      tenant_id: 'comes from the tenant header (TENANT_ID_HEADER) or the host, not the body',
    },
    captcha: true,
    tenant: 'header',
    ok: { status: 200, description: 'Always `{}`', schema: emptySchema },
    errors: ['signup_disabled', ...MAIL_ERRORS, ...BACKEND_ERRORS],
    form: [{ id: 'signup', title: 'Sign up', submit: 'sign up', fields: [FIELDS.email] }],
    async handle(c, read) {
      const body = await read();
      await signup(deps, scopeOf(c), { email: body.email, redirect: resolveRedirect(deps.config.urls, body.redirect_url) });
      return c.json({});
    },
  });

/** POST /verify-email: every mailed link's action, then a session. */
export const verifyEmailRoute = (deps: AppServices) =>
  route({
    method: 'post',
    path: '/verify-email',
    sessionCookies: true,
    tag: 'account',
    summary: "Carry out a mailed link's action (signup, invite, reset-password, change-email; revert-email signs nobody in)",
    body: verifyBody,
    captcha: true,
    // A link opened in a browser carries no tenant header: the token names its tenant.
    tenant: 'link',
    ok: {
      status: 200,
      description: 'The user and tokens (a revert-email link: the user, moved back, and a reset mailed)',
      schema: z.union([
        z.object({ user: userSchema, tokens: tokensSchema }),
        z.object({ user: userSchema, email_restored: z.literal(true), reset_mailed: z.literal(true) }),
      ]),
    },
    errors: [...SIGN_IN_ERRORS, 'invalid_token', 'weak_password', 'signup_disabled', 'conflict', ...PASSWORD_ERRORS, ...MAIL_ERRORS, ...BACKEND_ERRORS, ...HOOK_ERRORS],
    hookRefusals: true,
    form: [
      { id: 'verify-email', title: 'Verify your email', submit: 'verify email', mailedLink: true, fields: [FIELDS.newPassword('Password', false)] },
      { id: 'invite', title: 'Accept the invitation', submit: 'accept invitation', mailedLink: true, fields: [FIELDS.newPassword('Password', false)] },
      { id: 'reset-password', title: 'Choose a new password', submit: 'set new password', mailedLink: true, fields: [FIELDS.newPassword('New password', true)] },
      { id: 'change-email', title: 'Confirm your new email', submit: 'confirm new email', mailedLink: true, fields: [] },
      { id: 'revert-email', title: "This wasn't me: move my account back", submit: 'move my account back', mailedLink: true, fields: [] },
    ],
    async handle(c, read) {
      const body = await read();
      let scope = scopeOf(c);
      if (deps.config.tenancy.enabled && c.get('tenantId') === undefined) {
        // No header, no allowed host: the tenant the link was signed for (a header naming another
        // tenant is refused by the token check as before).
        scope = { ...scope, tenantId: (await deps.tokens.link.verify(body.token, undefined)).tid ?? null };
      }
      const result = await redeemLink(deps, scope, { token: body.token, password: body.password });
      // A "this wasn't me" link signs nobody in: it says what it did.
      if (!('tokens' in result)) return c.json(result);
      return c.json({ user: result.user, tokens: deliverTokens(c, deps.config, result.tokens) });
    },
  });

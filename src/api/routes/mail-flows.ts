import { z } from 'zod';
import { authorizeInviter, invite } from '../../accounts/invite.js';
import { resolveRedirect } from '../../accounts/links.js';
import { requestPasswordReset } from '../../accounts/reset-password.js';
import { requireStepUp } from '../../accounts/second-factor.js';
import { captchaField } from '../../captcha/turnstile.js';
import type { AppServices } from '../services.js';
import { scopeOf } from '../../http/context.js';
import { BACKEND_ERRORS, MAIL_ERRORS } from '../error-groups.js';
import { emailField, redirectUrlField, roleField } from '../fields.js';
import { FIELDS } from '../form-sections.js';
import { route } from '../route.js';
import { emptySchema } from '../schemas.js';

const inviteBody = z.object({ ...captchaField, email: emailField, role: roleField.optional(), redirect_url: redirectUrlField.optional() });
const resetBody = z.object({ ...captchaField, email: emailField, redirect_url: redirectUrlField.optional() });

/** POST /invite: an admin mails someone a link that creates their account. */
export const inviteRoute = (deps: AppServices) =>
  route({
    method: 'post',
    path: '/invite',
    sessionCookies: true,
    tag: 'account',
    summary: 'Invite a user (ADMIN_ROLE only)',
    body: inviteBody,
    misplaced: {
      password: 'is chosen by the invited user when they follow the mailed link (POST /verify-email)',
      tenant_id: "is the admin's tenant (the tenant header), not a body field",
    },
    captcha: true,
    tenant: 'header',
    auth: true,
    ok: { status: 200, description: '`{}`', schema: emptySchema },
    errors: ['forbidden', 'step_up_required', 'conflict', ...MAIL_ERRORS, ...BACKEND_ERRORS],
    form: [{ id: 'invite', title: 'Invite a user', submit: 'invite', fields: [FIELDS.email, { name: 'role', label: 'Role', type: 'text' }] }],
    async handle(c, read) {
      const scope = scopeOf(c);
      // Who may invite is settled before the body is read.
      const admin = await authorizeInviter(deps, scope, c.get('claims'));
      await requireStepUp(deps, c.get('claims'), scope.tenantId);
      const body = await read();
      const redirect = resolveRedirect(deps.config.urls, body.redirect_url);
      await invite(deps, scope, { admin, email: body.email, role: body.role, redirect });
      return c.json({});
    },
  });

/** POST /reset-password: mails a reset link (or a notice to an unknown address); needs no token. */
export const resetPasswordRoute = (deps: AppServices) =>
  route({
    method: 'post',
    path: '/reset-password',
    tag: 'account',
    summary: 'Mail a password reset link (or a notice to an unknown address)',
    body: resetBody,
    misplaced: { password: 'is set when the mailed link is followed (POST /verify-email), not when asking for it' },
    captcha: true,
    tenant: 'header',
    ok: { status: 200, description: 'Always `{}`', schema: emptySchema },
    errors: [...MAIL_ERRORS, ...BACKEND_ERRORS],
    form: [{ id: 'reset-password', title: 'Forgot password', submit: 'send reset link', fields: [FIELDS.email] }],
    async handle(c, read) {
      const body = await read();
      await requestPasswordReset(deps, scopeOf(c), { email: body.email, redirect: resolveRedirect(deps.config.urls, body.redirect_url) });
      return c.json({});
    },
  });

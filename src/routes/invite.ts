import { Hono } from 'hono';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { requireAccess } from '../http/auth.js';
import type { AppEnv } from '../http/context.js';
import { resolveTenant } from '../http/tenant.js';
import { AppError } from '../http/errors.js';
import { emailField, redirectUrlField, roleField } from '../http/fields.js';
import { readBody } from '../http/body.js';
import { CAPTCHA_FIELD, captchaField } from '../captcha/turnstile.js';
import { resolveRedirect } from '../http/redirect.js';
import { sendMail } from '../users/mails.js';
import { userFromToken } from '../users/users.js';

export const inviteBody = z.object({
  ...captchaField,
  email: emailField,
  role: roleField.optional(),
  redirect_url: redirectUrlField.optional(),
});

/** POST /invite: an admin invites someone; the mailed link creates the account. */
export function inviteRoutes(deps: Deps): Hono<AppEnv> {
  const { config, backend, tokens } = deps;
  const app = new Hono<AppEnv>();
  const tenant = resolveTenant(config.tenancy);

  app.post('/invite', tenant, requireAccess(tokens, config), async (c) => {
    const tenantId = c.get('tenantId');
    if (c.get('claims').act !== undefined) throw new AppError('forbidden', 'An impersonation token cannot invite');
    // The role is re-read: a demoted admin's unexpired token does not keep the right to invite.
    const admin = await userFromToken(deps, c.get('claims').sub, tenantId);
    if (admin.role !== config.roles.admin) throw new AppError('forbidden', 'Only an admin can invite users');
    const body = await readBody(c, inviteBody);
    await deps.captcha.verify(body[CAPTCHA_FIELD], c.get('clientIp'));
    const redirect = resolveRedirect(config.urls, body.redirect_url);
    const role = body.role ?? config.roles.default;
    if (await backend.findByEmail(body.email, tenantId)) {
      throw new AppError('conflict', 'A user with this email already exists');
    }
    const token = await tokens.signVerification('invite', { email: body.email, tenantId, role });
    await sendMail(deps, 'invite', { flow: 'invite', to: body.email, redirect, tenantId, role, link: { action: 'invite', token } });
    deps.audit.record(c, 'user_invited', { actorId: admin.id, detail: role });
    return c.json({});
  });

  return app;
}

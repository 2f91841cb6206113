import { Hono } from 'hono';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { requireAccess } from '../http/auth.js';
import type { AppEnv } from '../http/context.js';
import { resolveTenant } from '../http/tenant.js';
import { AppError } from '../http/errors.js';
import { emailField, passwordField, redirectUrlField } from '../http/fields.js';
import { readBody } from '../http/body.js';
import { CAPTCHA_FIELD, captchaField } from '../captcha/turnstile.js';
import { resolveRedirect } from '../http/redirect.js';
import type { AccessClaims } from '../tokens/token-service.js';
import { sendMail } from '../users/mails.js';
import { passwordKey } from '../rate-limit/limits.js';
import { hashNewPassword, publicUser, updateUser, userFromToken, withHookData } from '../users/users.js';

export const changePasswordBody = z.object({
  ...captchaField,
  old_password: passwordField.min(1, 'is required'),
  new_password: passwordField.min(1, 'is required'),
});
export const changeEmailBody = z.object({ ...captchaField, email: emailField, redirect_url: redirectUrlField.optional() });

/** GET /user, POST /change-password, POST /change-email: the signed-in user's own account. */
export function profileRoutes(deps: Deps): Hono<AppEnv> {
  const { config, backend, tokens, hasher } = deps;
  const app = new Hono<AppEnv>();
  const tenant = resolveTenant(config.tenancy);
  const access = requireAccess(tokens, config);

  app.get('/user', tenant, access, async (c) => {
    const { user, hookData } = await withHookData(deps, await userFromToken(deps, c.get('claims').sub, c.get('tenantId')));
    return c.json({ user: publicUser(user, hookData) });
  });

  app.post('/change-password', tenant, access, async (c) => {
    notImpersonating(c.get('claims'));
    const body = await readBody(c, changePasswordBody);
    await deps.captcha.verify(body[CAPTCHA_FIELD], c.get('clientIp'));
    const tenantId = c.get('tenantId');
    const user = await userFromToken(deps, c.get('claims').sub, tenantId);
    const guardKey = passwordKey(tenantId, user.email, c.get('clientIp'));
    await deps.limits.beforePasswordCheck(guardKey);
    if (!(await hasher.verify(body.old_password, user.password))) {
      await deps.limits.passwordFailed(guardKey);
      throw new AppError('invalid_credentials', 'The old password is wrong');
    }
    await deps.limits.passwordSucceeded(guardKey);
    const hash = await hashNewPassword(deps, body.new_password, 'new_password');
    if (!(await updateUser(deps, user, { password: hash }))) {
      throw new AppError('invalid_token', 'The token\'s user no longer exists');
    }
    deps.audit.record(c, 'password_changed', { userId: user.id });
    return c.json({});
  });

  app.post('/change-email', tenant, access, async (c) => {
    notImpersonating(c.get('claims'));
    const body = await readBody(c, changeEmailBody);
    await deps.captcha.verify(body[CAPTCHA_FIELD], c.get('clientIp'));
    const redirect = resolveRedirect(config.urls, body.redirect_url);
    const tenantId = c.get('tenantId');
    const user = await userFromToken(deps, c.get('claims').sub, tenantId);
    if (body.email === user.email) {
      throw new AppError('validation_failed', 'The request is invalid (email: is already your address)', {
        issues: [{ path: 'email', message: 'is already your address' }],
      });
    }
    // Whether the new address is taken is told to its owner by mail, not to this caller.
    if (await backend.findByEmail(body.email, tenantId)) {
      await sendMail(deps, 'account-exists', { flow: 'change_email', to: body.email, redirect, tenantId });
    } else {
      const token = await tokens.signVerification('change-email', { email: body.email, tenantId, user });
      await sendMail(deps, 'change-email', { flow: 'change_email', to: body.email, redirect, tenantId, link: { action: 'change-email', token } });
    }
    deps.audit.record(c, 'email_change_requested', { userId: user.id });
    return c.json({});
  });

  return app;
}

/** Credential changes need the user themself, not an admin acting as them. */
function notImpersonating(claims: AccessClaims): void {
  if (claims.act !== undefined) {
    throw new AppError('forbidden', 'An impersonation token cannot change the user\'s credentials');
  }
}

import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { bearerToken } from '../http/auth.js';
import type { AppEnv } from '../http/context.js';
import { resolveTenant } from '../http/tenant.js';
import { AppError } from '../http/errors.js';
import { emailField, passwordField, tokenField } from '../http/fields.js';
import { readBody } from '../http/body.js';
import { CAPTCHA_FIELD, captchaField } from '../captcha/turnstile.js';
import { issueTokens, userFromToken, withHookData } from '../users/users.js';
import { passwordKey } from '../rate-limit/limits.js';

export const tokenBody = z.object({ ...captchaField, email: emailField, password: passwordField.optional() });
export const refreshBody = z.object({ refresh_token: tokenField });

const badCredentials = () => new AppError('invalid_credentials', 'The email or password is wrong');

/** POST /token (login and admin impersonation) and POST /refresh. */
export function sessionRoutes(deps: Deps): Hono<AppEnv> {
  const { config, backend, tokens, hasher, limits } = deps;
  const app = new Hono<AppEnv>();
  const tenant = resolveTenant(config.tenancy);

  app.post('/token', tenant, async (c) => {
    const body = await readBody(c, tokenBody);
    const tenantId = c.var.tenantId;
    const adminToken = bearerToken(c.req.header('authorization'));
    if ((body.password === undefined || body.password === '') && adminToken !== undefined) {
      return c.json(await impersonate(c, adminToken, body.email, tenantId));
    }
    if (body.password === undefined || body.password === '') {
      throw new AppError('validation_failed', 'The request is invalid (password: is required)', {
        issues: [{ path: 'password', message: 'is required' }],
      });
    }
    await deps.captcha.verify(body[CAPTCHA_FIELD], c.var.clientIp);
    const guardKey = passwordKey(tenantId, body.email, c.var.clientIp);
    await limits.beforePasswordCheck(guardKey);
    const user = await backend.findByEmail(body.email, tenantId);
    // An unknown user costs one bcrypt comparison too, so timing does not tell who exists.
    const matches = user ? await hasher.verify(body.password, user.password) : await hasher.verifyDummy(body.password);
    if (!user || !matches) {
      await limits.passwordFailed(guardKey);
      deps.audit.record(c, 'login_failed', { userId: user?.id });
      deps.metrics.login('failed');
      throw badCredentials();
    }
    await limits.passwordSucceeded(guardKey);
    if (user.verified_at === null) {
      throw new AppError('email_not_verified', 'This email address is not verified yet: reset the password to verify it');
    }
    const issued = await issueTokens(deps, await withHookData(deps, user));
    deps.audit.record(c, 'login_succeeded', { userId: user.id });
    deps.metrics.login('ok');
    return c.json(issued);
  });

  app.post('/refresh', tenant, async (c) => {
    const body = await readBody(c, refreshBody);
    const tenantId = c.var.tenantId;
    const claims = await tokens.verifyRefresh(body.refresh_token, tenantId);
    // Re-read the user: deleted, demoted or re-credentialed users get no fresh token.
    const user = await userFromToken(deps, claims.sub, tenantId);
    if (!(await tokens.refreshStillValid(user, claims))) {
      throw new AppError('invalid_token', 'The refresh token was revoked by a change of credentials');
    }
    const issued = await issueTokens(deps, await withHookData(deps, user));
    deps.audit.record(c, 'token_refreshed', { userId: user.id });
    return c.json(issued);
  });

  async function impersonate(c: Context<AppEnv>, adminToken: string, email: string, tenantId: string | null) {
    if (!config.impersonationEnabled) {
      throw new AppError('impersonation_disabled', 'Impersonation is disabled (IMPERSONATION_ENABLED=false)');
    }
    const claims = await tokens.verifyAccess(adminToken, tenantId);
    if (claims.act !== undefined) throw new AppError('forbidden', 'An impersonation token cannot impersonate');
    const admin = await userFromToken(deps, claims.sub, tenantId);
    if (admin.role !== config.roles.admin) throw new AppError('forbidden', 'Only an admin can impersonate a user');
    const user = await backend.findByEmail(email, tenantId);
    if (!user) throw new AppError('not_found', 'No user has this email address');
    if (user.role === config.roles.admin) throw new AppError('forbidden', 'An admin cannot be impersonated');
    deps.audit.record(c, 'impersonation', { userId: user.id, actorId: admin.id });
    return issueTokens(deps, await withHookData(deps, user), { actor: admin });
  }

  return app;
}

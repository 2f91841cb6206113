import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { BackendError } from '../backends/types.js';
import { bearerToken, clearTokenCookies, deliverTokens, refreshTokenOf } from '../http/token-delivery.js';
import type { AppEnv } from '../http/context.js';
import { resolveTenant } from '../http/tenant.js';
import { AppError, requiredField } from '../http/errors.js';
import { emailField, passwordField, tokenField } from '../http/fields.js';
import { readBody } from '../http/body.js';
import { CAPTCHA_FIELD, captchaField } from '../captcha/turnstile.js';
import { issueTokens, userFromToken, withHookData } from '../users/users.js';
import { passwordKey } from '../rate-limit/limits.js';

export const tokenBody = z.object({ ...captchaField, email: emailField, password: passwordField.optional() });
/** Without `refresh_token`, the refresh cookie (cookie delivery) is used. */
export const refreshBody = z.object({ refresh_token: tokenField.optional() });
export const logoutBody = refreshBody;

const badCredentials = () => new AppError('invalid_credentials', 'The email or password is wrong');

/** POST /token (login and admin impersonation), POST /refresh and POST /logout. */
export function sessionRoutes(deps: Deps): Hono<AppEnv> {
  const { config, backend, tokens, hasher, limits } = deps;
  const app = new Hono<AppEnv>();
  const tenant = resolveTenant(config.tenancy);

  app.post('/token', tenant, async (c) => {
    const body = await readBody(c, tokenBody);
    const tenantId = c.get('tenantId');
    const adminToken = bearerToken(c.req.header('authorization'));
    if ((body.password === undefined || body.password === '') && adminToken !== undefined) {
      return c.json(await impersonate(c, adminToken, body.email, tenantId));
    }
    if (body.password === undefined || body.password === '') throw requiredField('password');
    await deps.captcha.verify(body[CAPTCHA_FIELD], c.get('clientIp'));
    const guardKey = passwordKey(tenantId, body.email, c.get('clientIp'));
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
    return c.json(deliverTokens(c, config, issued));
  });

  app.post('/refresh', tenant, async (c) => {
    const body = await readBody(c, refreshBody);
    const tenantId = c.get('tenantId');
    const token = refreshTokenOf(c, config, body.refresh_token);
    if (token === undefined) throw requiredField('refresh_token');
    const claims = await tokens.verifyRefresh(token, tenantId);
    // Re-read the user: deleted, demoted or re-credentialed users get no fresh token.
    const user = await userFromToken(deps, claims.sub, tenantId);
    if (!(await tokens.refreshStillValid(user, claims))) {
      throw new AppError('invalid_token', 'The refresh token was revoked by a change of credentials');
    }
    const issued = await issueTokens(deps, await withHookData(deps, user));
    deps.audit.record(c, 'token_refreshed', { userId: user.id });
    return c.json(deliverTokens(c, config, issued));
  });

  /**
   * Clears the token cookies and, given a refresh token (body or cookie), revokes every refresh
   * token of its user by bumping the user's session version, which their fingerprint binds.
   * Access tokens already handed out stay valid until they expire (JWT_EXPIRATION).
   */
  app.post('/logout', tenant, async (c) => {
    clearTokenCookies(c, config);
    const body = await readBody(c, logoutBody);
    const tenantId = c.get('tenantId');
    const token = refreshTokenOf(c, config, body.refresh_token);
    if (token === undefined) return c.json({ refresh_tokens_revoked: false });
    const claims = await tokens.verifyRefresh(token, tenantId);
    const user = await backend.findById(claims.sub, tenantId);
    // A deleted user or an already revoked token: nothing is left to revoke.
    if (!user || !(await tokens.refreshStillValid(user, claims))) return c.json({ refresh_tokens_revoked: true });
    if (user.session_version === undefined) {
      deps.audit.record(c, 'logout', { userId: user.id, detail: 'no_session_version' });
      return c.json({ refresh_tokens_revoked: false });
    }
    // No webhook for this write: it is the gateway's own bookkeeping, not a change to the account.
    const bumped = await backend.update(user.id, tenantId, { session_version: user.session_version + 1 });
    if (bumped && (bumped.session_version ?? 0) <= user.session_version) {
      throw new BackendError('bad_response', 'The backend did not store the new session_version');
    }
    deps.audit.record(c, 'logout', { userId: user.id, detail: 'refresh_tokens_revoked' });
    return c.json({ refresh_tokens_revoked: true });
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
    return issueTokens(deps, await withHookData(deps, user, admin), { actor: admin });
  }

  return app;
}

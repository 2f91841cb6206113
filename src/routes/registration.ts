import { Hono } from 'hono';
import { z } from 'zod';
import { BackendError, type StoredUser, type UserPatch } from '../backends/types.js';
import type { Deps } from '../deps.js';
import type { AppEnv } from '../http/context.js';
import { resolveTenant } from '../http/tenant.js';
import { AppError, requiredField } from '../http/errors.js';
import { deliverTokens } from '../http/token-delivery.js';
import { emailField, passwordField, redirectUrlField, roleField, tokenField } from '../http/fields.js';
import { readBody } from '../http/body.js';
import { CAPTCHA_FIELD, captchaField } from '../captcha/turnstile.js';
import { resolveRedirect } from '../http/redirect.js';
import type { VerifyClaims } from '../tokens/token-service.js';
import { sendMail } from '../users/mails.js';
import {
  createUser,
  hashNewPassword,
  issueTokens,
  now,
  publicUser,
  unguessablePassword,
  updateUser,
  type UserWithHookData,
} from '../users/users.js';

export const signupBody = z.object({ ...captchaField, email: emailField, redirect_url: redirectUrlField.optional() });
export const verifyBody = z.object({ ...captchaField, token: tokenField, password: passwordField.optional() });

const usedLink = () => new AppError('invalid_token', 'This link has already been used or is no longer valid');

/** POST /signup and POST /verify-email: self-service signup and every mailed link's action. */
export function registrationRoutes(deps: Deps): Hono<AppEnv> {
  const { config, backend, tokens } = deps;
  const app = new Hono<AppEnv>();
  const tenant = resolveTenant(config.tenancy);

  app.post('/signup', tenant, async (c) => {
    if (config.signupDisabled) throw new AppError('signup_disabled', 'Self-service signup is disabled');
    const body = await readBody(c, signupBody);
    await deps.captcha.verify(body[CAPTCHA_FIELD], c.get('clientIp'));
    const redirect = resolveRedirect(config.urls, body.redirect_url);
    const tenantId = c.get('tenantId');
    // The answer is the same whether or not the address has an account: only the mail differs.
    const existing = await backend.findByEmail(body.email, tenantId);
    if (existing) {
      await sendMail(deps, 'account-exists', { flow: 'signup', to: body.email, redirect, tenantId });
    } else {
      const token = await tokens.signVerification('verify-email', { email: body.email, tenantId });
      await sendMail(deps, 'verify-email', { flow: 'signup', to: body.email, redirect, tenantId, link: { action: 'verify-email', token } });
    }
    deps.audit.record(c, 'signup_requested', { userId: existing?.id });
    return c.json({});
  });

  app.post('/verify-email', tenant, async (c) => {
    const body = await readBody(c, verifyBody);
    await deps.captcha.verify(body[CAPTCHA_FIELD], c.get('clientIp'));
    const tenantId = c.get('tenantId');
    const claims = await tokens.verifyVerification(body.token, tenantId);
    const password = body.password === '' ? undefined : body.password;
    let result: UserWithHookData;
    switch (claims.action) {
      case 'verify-email':
        if (config.signupDisabled) throw new AppError('signup_disabled', 'Self-service signup is disabled');
        result = await createFromLink(claims, config.roles.default, password, tenantId);
        break;
      case 'invite': {
        const role = roleField.safeParse(claims.role);
        if (!role.success) throw new AppError('invalid_token', 'The token is invalid');
        result = await createFromLink(claims, role.data, password, tenantId);
        break;
      }
      case 'reset-password': {
        if (password === undefined) throw requiredField('password');
        const current = await linkedUser(claims, tenantId);
        const hash = await hashNewPassword(deps, password);
        // A reset proves the address is the user's: an unverified account becomes verified.
        result = await updateOrGone(current, { password: hash, verified_at: current.verified_at ?? now() });
        break;
      }
      case 'change-email': {
        const current = await linkedUser(claims, tenantId);
        result = await updateOrGone(current, { email: claims.email, verified_at: now() });
        break;
      }
    }
    const done = { 'verify-email': 'account_created', invite: 'account_created', 'reset-password': 'password_changed', 'change-email': 'email_changed' } as const;
    deps.audit.record(c, done[claims.action], { userId: result.user.id, detail: claims.action });
    return c.json({ user: publicUser(result.user, result.hookData), tokens: deliverTokens(c, config, await issueTokens(deps, result)) });
  });

  /** Creates the account a signup or invitation link is for; a second use finds it taken. */
  async function createFromLink(
    claims: VerifyClaims,
    role: string,
    password: string | undefined,
    tenantId: string | null,
  ): Promise<UserWithHookData> {
    // A used link is refused before any bcrypt work is spent on it.
    if (await backend.findByEmail(claims.email, tenantId)) throw usedLink();
    const hash = await hashNewPassword(deps, password ?? unguessablePassword());
    try {
      return await createUser(deps, { email: claims.email, role, password: hash, tenant_id: tenantId, verified_at: now() });
    } catch (error) {
      if (error instanceof BackendError && error.code === 'conflict') throw usedLink();
      throw error;
    }
  }

  /** The existing user a reset or email-change link acts on, while the link is still current. */
  async function linkedUser(claims: VerifyClaims, tenantId: string | null): Promise<StoredUser> {
    const user = typeof claims.sub === 'string' ? await backend.findById(claims.sub, tenantId) : null;
    if (!user || !(await tokens.verificationStillValid(user, claims))) throw usedLink();
    return user;
  }

  async function updateOrGone(user: StoredUser, patch: UserPatch): Promise<UserWithHookData> {
    const updated = await updateUser(deps, user, patch);
    if (!updated) throw usedLink();
    return updated;
  }

  return app;
}

import { z } from 'zod';
import { impersonate } from '../../accounts/impersonate.js';
import { login } from '../../accounts/login.js';
import { logout } from '../../accounts/logout.js';
import { refresh } from '../../accounts/refresh.js';
import { CAPTCHA_FIELD, captchaField } from '../../captcha/turnstile.js';
import { requiredField } from '../../core/errors.js';
import type { AppServices } from '../services.js';
import { scopeOf } from '../../http/context.js';
import { bearerToken, clearTokenCookies, deliverTokens, deviceTokenOf, refreshTokenOf } from '../../http/token-delivery.js';
import { BACKEND_ERRORS, HOOK_ERRORS, PASSWORD_ERRORS, SIGN_IN_ERRORS } from '../error-groups.js';
import { deviceTokenField, emailField, passwordField, tokenField } from '../fields.js';
import { FIELDS } from '../form-sections.js';
import { route } from '../route.js';
import { tokensSchema } from '../schemas.js';

const tokenBody = z.object({ ...captchaField, email: emailField, password: passwordField.optional(), device_token: deviceTokenField });
/** Without `refresh_token`, the refresh cookie (cookie delivery) is used. */
const refreshBody = z.object({ refresh_token: tokenField.optional() });

/** POST /token: a password login, or (empty password and an admin's bearer token) an impersonation. */
export const tokenRoute = (deps: AppServices) =>
  route({
    method: 'post',
    path: '/token',
    sessionCookies: true,
    tag: 'session',
    summary: 'Log in with email and password (or impersonate: empty password and an admin bearer token)',
    body: tokenBody,
    tenant: 'header',
    // Checked for password logins only (below), not for an admin's impersonation.
    captcha: 'handler',
    ok: { status: 200, description: 'Tokens', schema: tokensSchema },
    errors: [
      'invalid_credentials',
      ...SIGN_IN_ERRORS,
      'email_not_verified',
      'impersonation_disabled',
      'invalid_token',
      'forbidden',
      'not_found',
      ...PASSWORD_ERRORS,
      ...BACKEND_ERRORS,
      ...HOOK_ERRORS,
    ],
    hookRefusals: true,
    form: [{ id: 'token', title: 'Log in', submit: 'log in', fields: [FIELDS.email, FIELDS.currentPassword()] }],
    async handle(c, read) {
      const body = await read();
      const scope = scopeOf(c);
      const adminToken = bearerToken(c.req.header('authorization'));
      if ((body.password === undefined || body.password === '') && adminToken !== undefined) {
        return c.json(await impersonate(deps, scope, { adminToken, email: body.email }));
      }
      if (body.password === undefined || body.password === '') throw requiredField('password');
      await deps.captcha.verify(body[CAPTCHA_FIELD], scope.clientIp);
      const deviceToken = deviceTokenOf(c, body.device_token);
      return c.json(deliverTokens(c, deps.config, await login(deps, scope, { email: body.email, password: body.password, deviceToken })));
    },
  });

/** POST /refresh: new tokens for the session a refresh token (body or cookie) continues. */
export const refreshRoute = (deps: AppServices) =>
  route({
    method: 'post',
    path: '/refresh',
    sessionCookies: true,
    tag: 'session',
    summary: 'Exchange a refresh token (body, or the refresh cookie) for new tokens',
    body: refreshBody,
    tenant: 'header',
    ok: { status: 200, description: 'Tokens', schema: tokensSchema },
    errors: ['invalid_token', ...BACKEND_ERRORS, ...HOOK_ERRORS],
    hookRefusals: true,
    form: [{ id: 'refresh', title: 'Refresh tokens', submit: 'refresh', fields: [{ name: 'refresh_token', label: 'Refresh token (empty: the one this page holds, or the refresh cookie)', type: 'text', required: false }] }],
    async handle(c, read) {
      const body = await read();
      const token = refreshTokenOf(c, deps.config, body.refresh_token);
      if (token === undefined) throw requiredField('refresh_token');
      return c.json(deliverTokens(c, deps.config, await refresh(deps, scopeOf(c), token)));
    },
  });

/**
 * POST /logout: clears the token cookies and, given a refresh token (body or cookie), revokes
 * every refresh token of its user.
 */
export const logoutRoute = (deps: AppServices) =>
  route({
    method: 'post',
    path: '/logout',
    sessionCookies: true,
    tag: 'session',
    summary: 'Clear the token cookies; with a refresh token (body or cookie), revoke every refresh token of its user',
    body: refreshBody,
    tenant: 'header',
    ok: { status: 200, description: 'Whether refresh tokens were revoked', schema: z.object({ refresh_tokens_revoked: z.boolean() }) },
    errors: ['invalid_token', ...BACKEND_ERRORS],
    // Empty in cookie mode: the refresh cookie is used.
    form: [
      {
        id: 'logout',
        title: 'Log out (revokes every refresh token of the user)',
        submit: 'log out',
        fields: [{ name: 'refresh_token', label: 'Refresh token', type: 'text', required: false }],
      },
    ],
    async handle(c, read) {
      clearTokenCookies(c, deps.config);
      const body = await read();
      const token = refreshTokenOf(c, deps.config, body.refresh_token);
      if (token === undefined) return c.json({ refresh_tokens_revoked: false });
      return c.json(await logout(deps, scopeOf(c), token));
    },
  });

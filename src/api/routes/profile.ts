import { z } from 'zod';
import { notImpersonating, requestEmailChange } from '../../accounts/change-email.js';
import { changePassword } from '../../accounts/change-password.js';
import { resolveRedirect } from '../../accounts/links.js';
import { requireStepUp } from '../../accounts/second-factor.js';
import { publicUser, userFromToken, withHookData } from '../../accounts/users.js';
import { captchaField } from '../../captcha/turnstile.js';
import type { AppServices } from '../services.js';
import { scopeOf } from '../../http/context.js';
import { deliverTokens, deviceTokenOf } from '../../http/token-delivery.js';
import { BACKEND_ERRORS, HOOK_ERRORS, MAIL_ERRORS, PASSWORD_ERRORS } from '../error-groups.js';
import { deviceTokenField, emailField, passwordField, redirectUrlField } from '../fields.js';
import { FIELDS } from '../form-sections.js';
import { route } from '../route.js';
import { emptySchema, tokensSchema, userSchema } from '../schemas.js';

const changePasswordBody = z.object({
  ...captchaField,
  old_password: passwordField.min(1, 'is required'),
  new_password: passwordField.min(1, 'is required'),
  device_token: deviceTokenField,
});
const changeEmailBody = z.object({
  ...captchaField,
  email: emailField,
  /** The current password: needed unless the access token's sign-in is recent (REAUTH_WINDOW). */
  password: passwordField.optional(),
  device_token: deviceTokenField,
  redirect_url: redirectUrlField.optional(),
});

/** GET /user: the signed-in user, read afresh (with what the hook says of them). */
export const userRoute = (deps: AppServices) =>
  route({
    method: 'get',
    path: '/user',
    sessionCookies: true,
    tag: 'account',
    summary: 'The signed-in user (bearer token, or the access cookie in cookie mode)',
    tenant: 'header',
    auth: true,
    ok: { status: 200, description: 'The user', schema: z.object({ user: userSchema }) },
    errors: [...BACKEND_ERRORS, ...HOOK_ERRORS],
    hookRefusals: true,
    form: [{ id: 'user', title: 'Current user', submit: 'get user', fields: [] }],
    async handle(c) {
      const user = await userFromToken(deps, c.get('claims').sub, c.get('tenantId'));
      return c.json({ user: publicUser(await withHookData(deps, user)) });
    },
  });

/** POST /change-password: the old password, then the new one (older sessions and links end). */
export const changePasswordRoute = (deps: AppServices) =>
  route({
    method: 'post',
    path: '/change-password',
    sessionCookies: true,
    tag: 'account',
    summary: "Change the password: every other session and mailed link ends; the caller's session goes on with new tokens",
    body: changePasswordBody,
    captcha: true,
    tenant: 'header',
    auth: true,
    ok: { status: 200, description: 'Tokens for the caller (as /token gives them, by TOKEN_DELIVERY)', schema: tokensSchema },
    errors: ['forbidden', 'step_up_required', 'invalid_credentials', 'weak_password', 'conflict', ...PASSWORD_ERRORS, ...MAIL_ERRORS, ...BACKEND_ERRORS, ...HOOK_ERRORS],
    hookRefusals: true,
    form: [
      {
        id: 'change-password',
        title: 'Change password',
        submit: 'change password',
        fields: [FIELDS.currentPassword('old_password', 'Old password'), { ...FIELDS.newPassword('New password', true), name: 'new_password' }],
      },
    ],
    async handle(c, read) {
      notImpersonating(c.get('claims'));
      await requireStepUp(deps, c.get('claims'), c.get('tenantId') ?? null);
      const body = await read();
      const tokens = await changePassword(deps, scopeOf(c), {
        claims: c.get('claims'),
        oldPassword: body.old_password,
        newPassword: body.new_password,
        deviceToken: deviceTokenOf(c, body.device_token),
      });
      return c.json(deliverTokens(c, deps.config, tokens));
    },
  });

/** POST /change-email: mails the new address a link that moves the account there. */
export const changeEmailRoute = (deps: AppServices) =>
  route({
    method: 'post',
    path: '/change-email',
    sessionCookies: true,
    tag: 'account',
    summary: 'Mail a link that moves the account to a new address',
    body: changeEmailBody,
    captcha: true,
    tenant: 'header',
    auth: true,
    ok: { status: 200, description: '`{}`', schema: emptySchema },
    errors: ['forbidden', 'reauthentication_required', 'step_up_required', 'invalid_credentials', 'overloaded', ...MAIL_ERRORS, ...BACKEND_ERRORS],
    form: [
      {
        id: 'change-email',
        title: 'Change email',
        submit: 'change email',
        fields: [FIELDS.email, { ...FIELDS.currentPassword('password', 'Current password (unless you signed in a few minutes ago)'), required: false }],
      },
    ],
    async handle(c, read) {
      notImpersonating(c.get('claims'));
      await requireStepUp(deps, c.get('claims'), c.get('tenantId') ?? null);
      const body = await read();
      const redirect = resolveRedirect(deps.config.urls, body.redirect_url);
      await requestEmailChange(deps, scopeOf(c), {
        claims: c.get('claims'),
        email: body.email,
        password: body.password,
        redirect,
        deviceToken: deviceTokenOf(c, body.device_token),
      });
      return c.json({});
    },
  });

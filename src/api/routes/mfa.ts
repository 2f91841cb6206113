import type { Context } from 'hono';
import { z } from 'zod';
import { confirmTotp, disableTotp, type Enrolling, enrollTotp, regenerateRecoveryCodes } from '../../accounts/mfa-enrolment.js';
import { completeSignIn, type SecondFactorInput, stepUp } from '../../accounts/second-factor.js';
import { AppError } from '../../core/errors.js';
import { type AppEnv, scopeOf } from '../../http/context.js';
import { accessTokenOf, bearerToken, deliverTokens } from '../../http/token-delivery.js';
import { BACKEND_ERRORS } from '../error-groups.js';
import { tokenField } from '../fields.js';
import { type FormField, route } from '../route.js';
import type { AppServices } from '../services.js';
import { tokensSchema } from '../schemas.js';

/** A code as typed: spaces and dashes dropped, then the app's 6 digits. */
const totpCode = z
  .string({ error: 'expected a code (a string)' })
  .max(32, 'is too long')
  .transform((v) => v.replace(/[\s-]/g, ''))
  .pipe(z.string().regex(/^\d{6}$/, 'must be the 6 digits your authenticator app shows'));
const recoveryCode = z.string({ error: 'expected a recovery code (a string)' }).trim().min(1, 'is required').max(64, 'is too long');

const factorFields = {
  code: totpCode.optional().meta({ description: 'A code from the authenticator app' }),
  recovery_code: recoveryCode.optional().meta({ description: 'One of the recovery codes (each works once)' }),
};
const oneFactor = (body: { code?: string | undefined; recovery_code?: string | undefined }, ctx: z.RefinementCtx) => {
  if ((body.code === undefined) === (body.recovery_code === undefined)) {
    ctx.addIssue({ code: 'custom', path: ['code'], message: 'send either code or recovery_code' });
  }
};
const factorOf = (body: { code?: string | undefined; recovery_code?: string | undefined }): SecondFactorInput =>
  body.code !== undefined ? { code: body.code } : { recoveryCode: body.recovery_code as string };

const verifyBody = z.object({ mfa_token: tokenField.optional().meta({ description: 'From a `403 mfa_required` answer; without it, the access token steps up' }), ...factorFields }).superRefine(oneFactor);
const disableBody = z.object(factorFields).superRefine(oneFactor);
const confirmBody = z.object({ code: totpCode });

const CODE_FIELD: FormField = { name: 'code', label: 'Code from the authenticator app', type: 'text', autocomplete: 'one-time-code', required: true };
const RECOVERY_FIELD: FormField = { name: 'recovery_code', label: 'or a recovery code', type: 'text' };

const FACTOR_ERRORS = ['invalid_code', 'invalid_token', 'rate_limited', 'conflict', 'forbidden', ...BACKEND_ERRORS] as const;

/** An access token, or — for enrolment only — the enrolment token a sign-in was held back with. */
async function enrolling(deps: AppServices, c: Context<AppEnv>): Promise<Enrolling> {
  const tenantId = c.get('tenantId') ?? null;
  const bearer = bearerToken(c.req.header('authorization'));
  const token = bearer ?? accessTokenOf(c, deps.config);
  if (token === undefined) throw new AppError('unauthorized', 'Send an access token (or the enrolment token) in the Authorization header: Bearer <token>');
  try {
    return { claims: await deps.tokens.access.verify(token, tenantId) };
  } catch (error) {
    if (bearer === undefined || !(error instanceof AppError && error.code === 'invalid_token')) throw error;
    return { pending: await deps.tokens.mfa.verify('enroll', bearer, tenantId) };
  }
}

/** The second-factor endpoints (MFA_ENABLED). */
export const mfaRoutes = (deps: AppServices) => [
  route({
    method: 'post',
    path: '/mfa/totp/enroll',
    sessionCookies: true,
    tag: 'mfa',
    summary: 'Start setting up an authenticator app: a secret, its otpauth:// URI and a QR code (access token or enrolment token)',
    tenant: 'header',
    formBearer: true,
    form: [{ id: 'mfa-enroll', title: 'Set up an authenticator app (shows a QR code)', submit: 'show QR code', fields: [] }],
    ok: { status: 200, description: 'The secret to scan', schema: z.object({ secret: z.string(), uri: z.string(), qr_svg: z.string() }) },
    errors: ['unauthorized', 'invalid_token', 'forbidden', 'conflict', ...BACKEND_ERRORS],
    async handle(c) {
      return c.json(await enrollTotp(deps, await enrolling(deps, c)));
    },
  }),
  route({
    method: 'post',
    path: '/mfa/totp/confirm',
    sessionCookies: true,
    tag: 'mfa',
    summary: 'Turn the authenticator app on with a code from it: ten recovery codes, shown once (and the session, for an enrolment token)',
    body: confirmBody,
    tenant: 'header',
    formBearer: true,
    form: [{ id: 'mfa-confirm', title: 'Confirm the authenticator app', submit: 'turn on', fields: [CODE_FIELD] }],
    ok: { status: 200, description: 'The recovery codes (and tokens)', schema: z.object({ recovery_codes: z.array(z.string()), tokens: tokensSchema.optional() }) },
    errors: ['unauthorized', ...FACTOR_ERRORS],
    async handle(c, read) {
      const who = await enrolling(deps, c);
      const body = await read();
      const result = await confirmTotp(deps, scopeOf(c), who, body.code);
      return c.json(result.tokens ? { recovery_codes: result.recovery_codes, tokens: deliverTokens(c, deps.config, result.tokens) } : result);
    },
  }),
  route({
    method: 'post',
    path: '/mfa/recovery-codes',
    sessionCookies: true,
    tag: 'mfa',
    summary: 'Ten new recovery codes (the old ones stop working); needs a recent step-up',
    tenant: 'header',
    auth: true,
    ok: { status: 200, description: 'The recovery codes, shown once', schema: z.object({ recovery_codes: z.array(z.string()) }) },
    errors: ['forbidden', 'step_up_required', 'conflict', ...BACKEND_ERRORS],
    form: [{ id: 'mfa-recovery-codes', title: 'New recovery codes', submit: 'make new codes', fields: [] }],
    async handle(c) {
      return c.json(await regenerateRecoveryCodes(deps, scopeOf(c), c.get('claims')));
    },
  }),
  route({
    method: 'post',
    path: '/mfa/totp/disable',
    sessionCookies: true,
    tag: 'mfa',
    summary: 'Turn the second factor off: a recent step-up, and a code or a recovery code',
    body: disableBody,
    tenant: 'header',
    auth: true,
    form: [{ id: 'mfa-disable', title: 'Turn the second factor off', submit: 'turn off', fields: [{ ...CODE_FIELD, required: false }, RECOVERY_FIELD] }],
    ok: { status: 200, description: '`{}`', schema: z.object({}) },
    errors: ['step_up_required', ...FACTOR_ERRORS],
    async handle(c, read) {
      const body = await read();
      await disableTotp(deps, scopeOf(c), c.get('claims'), factorOf(body));
      return c.json({});
    },
  }),
  route({
    method: 'post',
    path: '/mfa/verify',
    sessionCookies: true,
    tag: 'mfa',
    summary: 'The second factor: with mfa_token, the sign-in it held back; with an access token, a step-up (fresh tokens, new auth_time)',
    body: verifyBody,
    formBearer: true,
    form: [
      {
        id: 'mfa-verify',
        title: 'Second factor: finish signing in (mfa token filled in) or step up (token left empty)',
        submit: 'verify',
        fields: [{ name: 'mfa_token', label: 'mfa token (from a 403 mfa_required)', type: 'text' }, { ...CODE_FIELD, required: false }, RECOVERY_FIELD],
      },
    ],
    // The app that got mfa_token (from OAuth's redirect, say) may send no tenant header: the token names it.
    tenant: 'link',
    ok: { status: 200, description: 'Tokens (as /token answers)', schema: tokensSchema },
    errors: ['unauthorized', ...FACTOR_ERRORS],
    hookRefusals: true,
    async handle(c, read) {
      const body = await read();
      const scope = scopeOf(c);
      if (body.mfa_token !== undefined) {
        const anyTenant = deps.config.tenancy.enabled && c.get('tenantId') === undefined;
        return c.json(deliverTokens(c, deps.config, await completeSignIn(deps, scope, body.mfa_token, factorOf(body), anyTenant)));
      }
      const token = accessTokenOf(c, deps.config);
      if (token === undefined) throw new AppError('unauthorized', 'Send mfa_token, or an access token in the Authorization header to step up');
      const claims = await deps.tokens.access.verify(token, c.get('tenantId') ?? null);
      return c.json(deliverTokens(c, deps.config, await stepUp(deps, scope, claims, factorOf(body))));
    },
  }),
];

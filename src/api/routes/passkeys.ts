import { z } from 'zod';
import { finishLogin, finishRegistration, listPasskeys, removePasskey, renamePasskey, startLogin, startRegistration } from '../../accounts/passkeys.js';
import { scopeOf } from '../../http/context.js';
import { deliverTokens } from '../../http/token-delivery.js';
import { BACKEND_ERRORS, HOOK_ERRORS, SIGN_IN_ERRORS } from '../error-groups.js';
import { tokenField } from '../fields.js';
import { route } from '../route.js';
import type { AppServices } from '../services.js';
import { tokensSchema } from '../schemas.js';

/** A credential as the browser's PublicKeyCredential.toJSON() gives it (checked in full by @simplewebauthn/server). */
const credentialField = z
  .looseObject({
    id: z.string().min(1).max(1024),
    rawId: z.string().min(1).max(1024),
    type: z.literal('public-key'),
    response: z.looseObject({ clientDataJSON: z.string().max(16_384) }),
  })
  .meta({ description: "The browser's PublicKeyCredential, as JSON (toJSON())" });
const nameField = z.string({ error: 'expected a name (a string)' }).trim().min(1, 'is required').max(100, 'is too long');

const passkeySchema = z.object({
  id: z.string(),
  name: z.string(),
  created_at: z.string(),
  last_used_at: z.string().nullable(),
  transports: z.array(z.string()),
  backed_up: z.boolean(),
});
const ceremonySchema = z.object({ options: z.record(z.string(), z.unknown()), challenge: z.string() });

/** The passkey endpoints (PASSKEYS_ENABLED). */
export const passkeyRoutes = (deps: AppServices) => [
  route({
    method: 'post',
    path: '/webauthn/registration/initialize',
    tag: 'passkeys',
    summary: 'Creation options for a new passkey, and their challenge token (signed in within REAUTH_WINDOW)',
    tenant: 'header',
    auth: true,
    ok: { status: 200, description: 'For navigator.credentials.create, and the challenge to send back', schema: ceremonySchema },
    errors: ['forbidden', 'reauthentication_required', 'step_up_required', ...BACKEND_ERRORS],
    // /form runs the whole ceremony from here (this, the browser, then finalize).
    form: [{ id: 'passkey-register', title: 'Add a passkey', submit: 'add a passkey', fields: [] }],
    async handle(c) {
      return c.json(await startRegistration(deps, scopeOf(c), c.get('claims')));
    },
  }),
  route({
    method: 'post',
    path: '/webauthn/registration/finalize',
    tag: 'passkeys',
    summary: 'Store the new passkey the browser made',
    body: z.object({ challenge: tokenField, credential: credentialField, name: nameField.optional() }),
    tenant: 'header',
    auth: true,
    ok: { status: 200, description: 'The stored passkey', schema: passkeySchema },
    errors: ['forbidden', 'reauthentication_required', 'step_up_required', 'passkey_refused', 'conflict', ...BACKEND_ERRORS],
    async handle(c, read) {
      const body = await read();
      return c.json(await finishRegistration(deps, scopeOf(c), c.get('claims'), { challenge: body.challenge, credential: body.credential, name: body.name }));
    },
  }),
  route({
    method: 'post',
    path: '/webauthn/login/initialize',
    tag: 'passkeys',
    summary: 'Request options for signing in with any passkey (no address: nothing tells whether one has passkeys)',
    tenant: 'header',
    ok: { status: 200, description: 'For navigator.credentials.get, and the challenge to send back', schema: ceremonySchema },
    errors: [],
    form: [{ id: 'passkey-login', title: 'Sign in with a passkey', submit: 'sign in with a passkey', fields: [] }],
    async handle(c) {
      return c.json(await startLogin(deps, scopeOf(c)));
    },
  }),
  route({
    method: 'post',
    path: '/webauthn/login/finalize',
    sessionCookies: true,
    tag: 'passkeys',
    summary: 'Sign in with the assertion the browser made',
    body: z.object({ challenge: tokenField, credential: credentialField }),
    tenant: 'header',
    ok: { status: 200, description: 'Tokens (as /token answers)', schema: tokensSchema },
    errors: [...SIGN_IN_ERRORS, 'invalid_credentials', 'invalid_token', ...BACKEND_ERRORS, ...HOOK_ERRORS],
    hookRefusals: true,
    async handle(c, read) {
      const body = await read();
      return c.json(deliverTokens(c, deps.config, await finishLogin(deps, scopeOf(c), { challenge: body.challenge, credential: body.credential })));
    },
  }),
  route({
    method: 'get',
    path: '/webauthn/credentials',
    tag: 'passkeys',
    summary: "The caller's passkeys",
    tenant: 'header',
    auth: true,
    ok: { status: 200, description: 'The passkeys', schema: z.object({ credentials: z.array(passkeySchema) }) },
    errors: [...BACKEND_ERRORS],
    form: [{ id: 'passkeys', title: 'My passkeys', submit: 'list', fields: [] }],
    async handle(c) {
      return c.json({ credentials: await listPasskeys(deps, scopeOf(c), c.get('claims')) });
    },
  }),
  route({
    method: 'patch',
    path: '/webauthn/credentials/:id',
    sessionCookies: true,
    tag: 'passkeys',
    summary: 'Rename a passkey',
    body: z.object({ name: nameField }),
    tenant: 'header',
    auth: true,
    ok: { status: 200, description: 'The passkey', schema: passkeySchema },
    errors: ['forbidden', 'not_found', 'conflict', ...BACKEND_ERRORS],
    async handle(c, read) {
      const body = await read();
      return c.json(await renamePasskey(deps, scopeOf(c), c.get('claims'), c.req.param('id') ?? '', body.name));
    },
  }),
  route({
    method: 'delete',
    path: '/webauthn/credentials/:id',
    sessionCookies: true,
    tag: 'passkeys',
    summary: 'Remove a passkey (signed in within REAUTH_WINDOW; the address is told)',
    tenant: 'header',
    auth: true,
    ok: { status: 200, description: '`{}`', schema: z.object({}) },
    errors: ['forbidden', 'not_found', 'reauthentication_required', 'step_up_required', 'mail_failed', 'mail_unavailable', 'mail_timeout', ...BACKEND_ERRORS],
    async handle(c) {
      await removePasskey(deps, scopeOf(c), c.get('claims'), c.req.param('id') ?? '');
      return c.json({});
    },
  }),
];

import {
  type AuthenticationResponseJSON,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import type { PasskeyRecord } from '../backends/types.js';
import { AppError } from '../core/errors.js';
import type { RequestScope } from '../core/request.js';
import type { Passkeys } from '../passkeys/types.js';
import type { AccessClaims } from '../tokens/access-token.js';
import type { IssuedTokens } from '../tokens/tokens.js';
import { CEREMONY_TTL } from '../tokens/webauthn-challenge.js';
import { notImpersonating, signedInRecently } from './change-email.js';
import { sendMail } from './mail.js';
import { requireStepUp } from './second-factor.js';
import type { AccountServices } from './services.js';
import { issueTokens, startSession } from './sign-in.js';
import { timestamp, userFromToken, withHookData } from './users.js';

type PasskeyServices = Pick<
  AccountServices,
  'passkeys' | 'backend' | 'tokens' | 'spentLinks' | 'clock' | 'audit' | 'metrics' | 'config' | 'extensions' | 'hooks' | 'mfa' | 'mailer' | 'logger'
>;

/** A passkey as its owner sees it. */
interface PublicPasskey {
  id: string;
  name: string;
  created_at: string;
  last_used_at: string | null;
  transports: readonly string[];
  backed_up: boolean;
}

const publicPasskey = (p: PasskeyRecord): PublicPasskey => ({ id: p.id, name: p.name, created_at: p.createdAt, last_used_at: p.lastUsedAt, transports: p.transports, backed_up: p.backedUp });

function passkeysOf(services: Pick<AccountServices, 'passkeys'>): Passkeys {
  if (!services.passkeys) throw new AppError('not_found', 'Passkeys are not enabled here (PASSKEYS_ENABLED)');
  return services.passkeys;
}

/** The user handle a passkey carries: the user id, as bytes (it names nobody outside the gateway). */
const userHandle = (userId: string) => new TextEncoder().encode(userId);

/** A ceremony's challenge works once. */
async function spendCeremony(services: Pick<AccountServices, 'spentLinks'>, id: string, expiresAt: number): Promise<void> {
  if (!(await services.spentLinks.spend(`webauthn:${id}`, expiresAt))) throw new AppError('invalid_token', 'This challenge was used already: start again');
}

/** A signed-in user proves it is them now (REAUTH_WINDOW, and the second factor when they have one) before passkeys change. */
async function recentlySignedIn(services: PasskeyServices, claims: AccessClaims, tenantId: string | null): Promise<void> {
  notImpersonating(claims);
  if (!signedInRecently(claims, services.clock.now() / 1000, services.config.reauthWindow)) {
    throw new AppError('reauthentication_required', 'Confirm it is you: sign in again and retry within a few minutes');
  }
  await requireStepUp(services, claims, tenantId);
}

/** POST /webauthn/registration/initialize: creation options (a discoverable credential) and their challenge token. */
export async function startRegistration(services: PasskeyServices, scope: RequestScope, claims: AccessClaims) {
  const { store, settings } = passkeysOf(services);
  await recentlySignedIn(services, claims, scope.tenantId);
  const user = await userFromToken(services, claims.sub, scope.tenantId);
  const existing = await store.list(user.id, user.tenant_id);
  const options = await generateRegistrationOptions({
    rpName: settings.rpName,
    rpID: settings.rpId,
    userName: user.email,
    userID: userHandle(String(user.id)),
    attestationType: 'none',
    excludeCredentials: existing.map((p) => ({ id: p.id, transports: p.transports as never })),
    authenticatorSelection: { residentKey: 'required', userVerification: 'preferred' },
    timeout: CEREMONY_TTL * 1000,
  });
  const challenge = await services.tokens.webauthn.sign({ challenge: options.challenge, purpose: 'register', userId: String(user.id), tenantId: user.tenant_id });
  return { options, challenge };
}

/** POST /webauthn/registration/finalize: the browser's new credential, checked and stored. */
export async function finishRegistration(
  services: PasskeyServices,
  scope: RequestScope,
  claims: AccessClaims,
  input: { challenge: string; credential: unknown; name: string | undefined },
): Promise<PublicPasskey> {
  const { store, settings } = passkeysOf(services);
  await recentlySignedIn(services, claims, scope.tenantId);
  const ceremony = await services.tokens.webauthn.verify(input.challenge, 'register', scope.tenantId);
  if (ceremony.userId !== claims.sub) throw new AppError('invalid_token', "The challenge was made for another user's registration");
  await spendCeremony(services, ceremony.id, ceremony.expiresAt);
  const user = await userFromToken(services, claims.sub, scope.tenantId);
  let info: NonNullable<Awaited<ReturnType<typeof verifyRegistrationResponse>>['registrationInfo']>;
  try {
    const verification = await verifyRegistrationResponse({
      response: input.credential as RegistrationResponseJSON,
      expectedChallenge: ceremony.challenge,
      expectedOrigin: [...settings.origins],
      expectedRPID: settings.rpId,
      requireUserVerification: false,
    });
    if (!verification.verified) throw new Error('the response does not verify');
    info = verification.registrationInfo;
  } catch (error) {
    throw new AppError('passkey_refused', `The passkey was refused: ${(error as Error).message}`);
  }
  const record: PasskeyRecord = {
    id: info.credential.id,
    userId: String(user.id),
    tenantId: user.tenant_id,
    publicKey: Buffer.from(info.credential.publicKey).toString('base64url'),
    counter: info.credential.counter,
    transports: info.credential.transports ?? [],
    backupEligible: info.credentialDeviceType === 'multiDevice',
    backedUp: info.credentialBackedUp,
    name: input.name ?? 'Passkey',
    createdAt: timestamp(services.clock),
    lastUsedAt: null,
    version: 1,
  };
  if (!(await store.create(record))) throw new AppError('conflict', 'This passkey is registered already');
  services.audit.record(scope, 'passkey_registered', { userId: user.id });
  return publicPasskey(record);
}

/** POST /webauthn/login/initialize: request options for any discoverable credential (no address asked, none told). */
export async function startLogin(services: PasskeyServices, scope: RequestScope) {
  const { settings } = passkeysOf(services);
  const options = await generateAuthenticationOptions({ rpID: settings.rpId, userVerification: 'preferred', allowCredentials: [], timeout: CEREMONY_TTL * 1000 });
  const challenge = await services.tokens.webauthn.sign({ challenge: options.challenge, purpose: 'login', userId: undefined, tenantId: scope.tenantId });
  return { options, challenge };
}

/**
 * POST /webauthn/login/finalize: the assertion, checked against the stored credential — origin,
 * RP id, challenge (spent once), signature, a counter that must grow (0 and 0: none kept), backup
 * eligibility unchanged — then the session: `amr` `hwk` (a device-bound key) or `swk` (a synced
 * one), plus `user` and `mfa` when the authenticator verified the user, which satisfies the
 * second-factor gate; without it the gate stands.
 */
export async function finishLogin(services: PasskeyServices, scope: RequestScope, input: { challenge: string; credential: { id: string } }): Promise<IssuedTokens> {
  const { store, settings } = passkeysOf(services);
  const ceremony = await services.tokens.webauthn.verify(input.challenge, 'login', scope.tenantId);
  await spendCeremony(services, ceremony.id, ceremony.expiresAt);
  const refused = (why: string, detail?: string) => {
    services.audit.record(scope, 'login_failed', { detail: detail ?? 'passkey' });
    services.metrics.login('failed');
    return new AppError('invalid_credentials', `The passkey was not accepted: ${why}`);
  };
  const record = await store.find(input.credential.id);
  if (!record || record.tenantId !== scope.tenantId) throw refused('it is not registered here');
  const user = await services.backend.findById(record.userId, record.tenantId);
  if (!user) throw refused('its account no longer exists');
  const response = input.credential as AuthenticationResponseJSON;
  if (response.response?.userHandle && response.response.userHandle !== Buffer.from(userHandle(record.userId)).toString('base64url')) {
    throw refused('it names another user');
  }
  let info: Awaited<ReturnType<typeof verifyAuthenticationResponse>>['authenticationInfo'];
  try {
    const verification = await verifyAuthenticationResponse({
      response,
      expectedChallenge: ceremony.challenge,
      expectedOrigin: [...settings.origins],
      expectedRPID: settings.rpId,
      credential: { id: record.id, publicKey: Buffer.from(record.publicKey, 'base64url'), counter: record.counter, transports: record.transports as never },
      requireUserVerification: false,
    });
    if (!verification.verified) throw new Error('the signature does not verify');
    info = verification.authenticationInfo;
  } catch (error) {
    const message = (error as Error).message;
    // A counter that did not grow: the credential may have been cloned.
    if (/counter/i.test(message)) throw refused('its signature counter went backwards (a cloned authenticator?)', 'passkey_counter_regression');
    throw refused(message);
  }
  if ((info.credentialDeviceType === 'multiDevice') !== record.backupEligible) throw refused('its backup eligibility changed', 'passkey_backup_eligibility_changed');
  const used: PasskeyRecord = { ...record, counter: info.newCounter, backedUp: info.credentialBackedUp, lastUsedAt: timestamp(services.clock), version: record.version + 1 };
  if (!(await store.update(used, record.version))) throw refused('it was used at the same moment elsewhere');
  if (used.backedUp !== record.backedUp) services.audit.record(scope, 'passkey_backup_changed', { userId: user.id, detail: used.backedUp ? 'backed_up' : 'not_backed_up' });
  const kind = record.backupEligible ? 'swk' : 'hwk';
  const tokens = info.userVerified
    ? await issueTokens(services, await withHookData(services, user), { authentication: { amr: [kind, 'user', 'mfa'], authTime: Math.floor(services.clock.now() / 1000) } })
    : await startSession(services, { ...(await withHookData(services, user)), factor: kind });
  services.audit.record(scope, 'login_succeeded', { userId: user.id, detail: 'passkey' });
  services.metrics.login('ok');
  return tokens;
}

/** GET /webauthn/credentials: the caller's passkeys. */
export async function listPasskeys(services: PasskeyServices, scope: RequestScope, claims: AccessClaims): Promise<PublicPasskey[]> {
  const { store } = passkeysOf(services);
  return (await store.list(claims.sub, scope.tenantId)).map(publicPasskey);
}

async function ownPasskey(services: PasskeyServices, scope: RequestScope, claims: AccessClaims, id: string): Promise<PasskeyRecord> {
  const record = await passkeysOf(services).store.find(id);
  if (!record || record.userId !== claims.sub || record.tenantId !== scope.tenantId) throw new AppError('not_found', 'No such passkey');
  return record;
}

/** PATCH /webauthn/credentials/{id}: a new name. */
export async function renamePasskey(services: PasskeyServices, scope: RequestScope, claims: AccessClaims, id: string, name: string): Promise<PublicPasskey> {
  notImpersonating(claims);
  const record = await ownPasskey(services, scope, claims, id);
  const renamed = { ...record, name, version: record.version + 1 };
  if (!(await passkeysOf(services).store.update(renamed, record.version))) throw new AppError('conflict', 'The passkey changed meanwhile: try again');
  return publicPasskey(renamed);
}

/** DELETE /webauthn/credentials/{id}: after a recent sign-in (and step-up), with a notice to the address. */
export async function removePasskey(services: PasskeyServices, scope: RequestScope, claims: AccessClaims, id: string): Promise<void> {
  await recentlySignedIn(services, claims, scope.tenantId);
  const record = await ownPasskey(services, scope, claims, id);
  const user = await userFromToken(services, claims.sub, scope.tenantId);
  await sendMail(services, 'passkey-removed', {
    flow: 'passkeys',
    to: user.email,
    redirect: new URL(services.config.urls.verifyRedirect),
    tenantId: scope.tenantId,
    reason: record.name,
    quota: 'notice',
  });
  if (!(await passkeysOf(services).store.remove(record.id, record.userId, record.tenantId))) throw new AppError('not_found', 'No such passkey');
  services.audit.record(scope, 'passkey_removed', { userId: user.id });
}

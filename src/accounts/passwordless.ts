import { BackendError } from '../backends/types.js';
import { AppError } from '../core/errors.js';
import type { RequestScope } from '../core/request.js';
import { usedLink } from '../links/spent-links.js';
import { dayEnd, givePlaceBack, takePlace } from '../links/places.js';
import type { PasswordlessClaims } from '../tokens/passwordless-token.js';
import type { IssuedTokens } from '../tokens/tokens.js';
import { reserveMail, sendMail } from './mail.js';
import { noticePasswordChanged } from './notices.js';
import type { AccountServices } from './services.js';
import { startSession } from './sign-in.js';
import { createUser, hashNewPassword, timestamp, unguessablePassword, updateUser, type UserWithHookData, withHookData } from './users.js';

type PasswordlessServices = Pick<
  AccountServices,
  'config' | 'backend' | 'tokens' | 'hasher' | 'hooks' | 'audit' | 'extensions' | 'metrics' | 'clock' | 'spentLinks' | 'limits' | 'mailer' | 'mfa'
>;

/**
 * POST /passwordless/start: mails a code and a link that share one id, and answers the challenge
 * the asking device sends back with the code. The same answer and the same work for every address
 * (the mail limits first, one lookup, two signatures, one mail): an address no account can sign in
 * with (unknown, and signup disabled) gets a mail saying so, without code or link.
 */
export async function startPasswordless(services: PasswordlessServices, scope: RequestScope, input: { email: string; redirect: URL }): Promise<{ challenge: string }> {
  const quota = await reserveMail(services, scope, input.email);
  const existing = await services.backend.findByEmail(input.email, scope.tenantId);
  const issued = await services.tokens.passwordless.issue(input.email, scope.tenantId);
  const mail = { flow: 'passwordless', to: input.email, redirect: input.redirect, tenantId: scope.tenantId, quota, lifetime: services.config.passwordless.ttl } as const;
  const canSignIn = existing !== null || !services.config.signupDisabled;
  await sendMail(services, 'passwordless', canSignIn ? { ...mail, code: issued.code, link: { action: 'passwordless', token: issued.link } } : mail);
  services.audit.record(scope, 'passwordless_requested', { userId: existing?.id });
  return { challenge: issued.challenge };
}

/**
 * POST /passwordless/verify: the code on the device that asked (`challenge` + `code`), or the
 * mailed link on any device (`token`). Either spends the sign-in's id, so the other is spent too;
 * then the address signs in (`amr: email`).
 */
export async function verifyPasswordless(
  services: PasswordlessServices,
  requested: RequestScope,
  input: { challenge: string; code: string } | { token: string },
  /** The request named no tenant (multi-tenant): the one the challenge or link was signed for. */
  options: { anyTenant: boolean },
): Promise<IssuedTokens> {
  const byLink = 'token' in input;
  const tenantId = options.anyTenant ? undefined : requested.tenantId;
  const claims = byLink ? await services.tokens.passwordless.verifyLink(input.token, tenantId) : await checkCode(services, requested, input, tenantId);
  const scope = { ...requested, tenantId: claims.tenantId };
  // What refuses this code or link for good: a later try cannot fare better, so it stays spent.
  const refusal = byLink ? usedLink() : wrongCode();
  if (!(await services.spentLinks.spend(`pwl:${claims.id}`, claims.expiresAt))) throw refusal;
  let result: UserWithHookData;
  try {
    result = await signInAddress(services, claims, refusal);
  } catch (error) {
    // A dependency failed or a hook refused: the code and link work again.
    if (error !== refusal) await services.spentLinks.unspend(`pwl:${claims.id}`).catch(() => undefined);
    throw error;
  }
  // The owner proved the mailbox: the account's ceiling of failed password sign-ins starts again.
  await services.limits.accountRecovered(claims.tenantId, claims.email).catch(() => {});
  const tokens = await startSession(services, { ...result, factor: 'email' });
  services.audit.record(scope, 'login_succeeded', { userId: result.user.id, detail: byLink ? 'passwordless_link' : 'passwordless_code' });
  services.metrics.login('ok');
  return tokens;
}

/** The one answer for a wrong code, an expired, forged or other tenant's challenge, and an address no account can sign in with. */
function wrongCode(message = 'The code is wrong or has expired: check it, or ask for a new one'): AppError {
  return new AppError('invalid_code', message);
}

/**
 * The challenge, and its code checked within the limits: each try takes one of the challenge's
 * PASSWORDLESS_MAX_ATTEMPTS places, and one of the address's PASSWORDLESS_MAX_FAILURES places of
 * the day, before the code is compared — so tries sent at once cannot slip past the limits — and a
 * right code gives its address place back.
 */
async function checkCode(
  services: PasswordlessServices,
  scope: RequestScope,
  input: { challenge: string; code: string },
  tenantId: string | null | undefined,
): Promise<PasswordlessClaims> {
  const { spentLinks, config } = services;
  let claims: Awaited<ReturnType<AccountServices['tokens']['passwordless']['verifyChallenge']>>;
  try {
    claims = await services.tokens.passwordless.verifyChallenge(input.challenge, input.code, tenantId);
  } catch (error) {
    throw error instanceof AppError && error.code === 'invalid_token' ? wrongCode() : error;
  }
  let addressPlace: string | undefined;
  if (config.passwordless.maxFailures > 0) {
    const now = Math.floor(services.clock.now() / 1000);
    const windowEnd = dayEnd(now);
    const prefix = `pwl-fail:${services.tokens.passwordless.addressKey(claims.email, claims.tenantId)}:${windowEnd}`;
    addressPlace = await takePlace(spentLinks, prefix, config.passwordless.maxFailures, windowEnd);
    if (addressPlace === undefined) {
      throw new AppError('rate_limited', 'Too many wrong codes for this address today: follow the link in the mail instead', { retryAfterSeconds: windowEnd - now });
    }
  }
  const attempt = await takePlace(spentLinks, `pwl:${claims.id}:try`, config.passwordless.maxAttempts, claims.expiresAt);
  if (attempt === undefined) {
    await givePlaceBack(spentLinks, addressPlace);
    throw wrongCode('Too many wrong codes for this sign-in: follow the link in the mail, or ask for a new code');
  }
  if (!claims.codeMatches) {
    services.audit.record(scope, 'login_failed', { detail: 'passwordless_code' });
    services.metrics.login('failed');
    throw wrongCode();
  }
  await givePlaceBack(spentLinks, addressPlace);
  return claims;
}

/**
 * The account the mailbox's owner signs in to: the existing one; an unverified one made verified —
 * its password replaced by one nobody knows, its sessions ended and its owner told (whoever set
 * that password may have planted the row) —; or a new one, verified, when signup is open.
 */
async function signInAddress(services: PasswordlessServices, claims: PasswordlessClaims, refusal: AppError): Promise<UserWithHookData> {
  const { backend, config, clock } = services;
  const existing = await backend.findByEmail(claims.email, claims.tenantId);
  if (existing && existing.verified_at !== null) return withHookData(services, existing);
  if (existing) {
    const patch = {
      verified_at: timestamp(clock),
      password: await hashNewPassword(services, unguessablePassword()),
      ...(existing.session_version === undefined ? {} : { session_version: existing.session_version + 1 }),
    };
    await noticePasswordChanged(services, existing, 'passwordless', 'you signed in with a code or link mailed to you');
    const updated = await updateUser(services, existing, patch);
    if (!updated) throw new AppError('conflict', 'The account changed during sign-in: try again');
    return updated;
  }
  if (config.signupDisabled) throw refusal;
  const password = await hashNewPassword(services, unguessablePassword());
  try {
    return await createUser(services, { email: claims.email, role: config.roles.default, password, tenant_id: claims.tenantId, verified_at: timestamp(clock) });
  } catch (error) {
    if (error instanceof BackendError && error.code === 'conflict') throw new AppError('conflict', 'The account was created meanwhile: try again');
    throw error;
  }
}

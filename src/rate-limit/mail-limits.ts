import type { Bucket, RateStore } from './store.js';
import { tooMany } from './refusal.js';

/** MAIL_PER_ADDRESS_*: mails one address can be sent an hour, per kind of requester (0: that bucket is off). */
export interface MailLimitSettings {
  /** Requests without a captcha, from anyone (MAIL_PER_ADDRESS_PER_HOUR). */
  readonly perAddress: number;
  /** Unauthenticated requests from one client (MAIL_PER_ADDRESS_PER_CLIENT_PER_HOUR). */
  readonly perAddressPerClient: number;
  /** Requests with a solved captcha, from anyone (MAIL_PER_ADDRESS_CAPTCHA_PER_HOUR). */
  readonly captchaPerAddress: number;
  /** Signed-in senders — an invitation, an email change — each (MAIL_PER_ADDRESS_PER_SENDER_PER_HOUR). */
  readonly perAddressPerSender: number;
}

/** Who asks for a mail: a signed-in user, or an unauthenticated client (who may have solved a captcha). */
type MailRequester =
  | { readonly kind: 'anonymous'; readonly clientIp: string; readonly captchaSolved: boolean }
  | { readonly kind: 'user'; readonly userId: string };

/** A mail counted against its address's buckets; given back when it was not sent. */
export interface MailReservation {
  refund(): Promise<void>;
}

export interface MailLimits {
  /**
   * Counts a mail to `to` in the buckets of its requester, all or none: 429 when one is full.
   * Asked before anything else the flow does, so a refusal costs the same for every address.
   */
  reserve(to: string, tenantId: string | null, requester: MailRequester): Promise<MailReservation>;
}

const HOUR = 3_600_000;

/**
 * The address a mail limit counts: lower-cased, without a `+tag` (`Victim+1@x` and `victim@x` are
 * one inbox). For counting only: accounts keep the address as given.
 */
function mailbox(email: string): string {
  const at = email.lastIndexOf('@');
  const local = email.slice(0, at).toLowerCase();
  const plus = local.indexOf('+');
  return `${plus > 0 ? local.slice(0, plus) : local}${email.slice(at).toLowerCase()}`;
}

/**
 * Separate buckets, so that nobody can spend a victim's mails: anonymous requests per address and
 * client (small) and per address (larger); requests with a solved captcha in buckets of their own;
 * signed-in senders per address and sender.
 */
export function mailLimits(
  config: MailLimitSettings,
  store: RateStore,
  { guarded, client }: { guarded<T>(work: () => Promise<T>): Promise<T>; client(ip: string): string },
): MailLimits {
  const bucket = (key: string, limit: number): Bucket[] => (limit > 0 ? [{ key: `mail\u0000${key}`, windowMs: HOUR, limit }] : []);
  const bucketsOf = (box: string, requester: MailRequester): Bucket[] => {
    if (requester.kind === 'user') return bucket(`sender\u0000${box}\u0000${requester.userId}`, config.perAddressPerSender);
    const kind = requester.captchaSolved ? 'human' : 'anon';
    return [
      ...bucket(`${kind}\u0000${box}\u0000${client(requester.clientIp)}`, config.perAddressPerClient),
      ...bucket(`${kind}\u0000${box}`, requester.captchaSolved ? config.captchaPerAddress : config.perAddress),
    ];
  };
  return {
    async reserve(to, tenantId, requester) {
      const buckets = bucketsOf(`${tenantId ?? ''}\u0000${mailbox(to)}`, requester);
      const waitMs = await guarded(() => store.take(buckets));
      if (waitMs !== null) throw tooMany('Too many mails to this address: wait before asking again', waitMs);
      return { refund: () => guarded(() => store.give(buckets.map((b) => b.key))) };
    },
  };
}

import { randomBytes } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import QRCode from 'qrcode';
import { safeEqual } from '../core/safe-equal.js';

/** RFC 6238's defaults, which every authenticator app reads: SHA-1, 6 digits, 30-second steps. */
const PERIOD = 30;
const DIGITS = 6;
/** Steps of clock skew accepted either way. */
const SKEW = 1;

/** A new TOTP secret: 160 random bits (RFC 4226's recommendation), base32. */
export function newTotpSecret(): string {
  return new Secret({ buffer: randomBytes(20).buffer as ArrayBuffer }).base32;
}

const totp = (secret: string, issuer: string, label: string) =>
  new TOTP({ issuer, label, secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: DIGITS, period: PERIOD });

/** The `otpauth://` URI an app scans, and the same as an SVG QR code. */
export async function totpEnrolment(secret: string, issuer: string, account: string): Promise<{ uri: string; qrSvg: string }> {
  const uri = totp(secret, issuer, account).toString();
  return { uri, qrSvg: await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 }) };
}

/**
 * The time step `code` belongs to — within ±1 step of `nowMs` and later than `lastStep` (a code
 * of a step already used is a replay) — or undefined. Every candidate step is computed and
 * compared in constant time.
 */
export function totpStep(secret: string, code: string, nowMs: number, lastStep: number): number | undefined {
  const generator = totp(secret, 'authura', 'check');
  const current = Math.floor(nowMs / 1000 / PERIOD);
  let matched: number | undefined;
  for (let step = current - SKEW; step <= current + SKEW; step += 1) {
    const expected = generator.generate({ timestamp: step * PERIOD * 1000 });
    if (safeEqual(code, expected) && step > lastStep) matched ??= step;
  }
  return matched;
}

/** Ten recovery codes, each 80 random bits as 16 base32 letters in four groups (`abcd-efgh-ijkl-mnop`). */
export function newRecoveryCodes(): string[] {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  return Array.from({ length: 10 }, () => {
    const bytes = randomBytes(10);
    let bits = '';
    for (const byte of bytes) bits += byte.toString(2).padStart(8, '0');
    const letters = Array.from({ length: 16 }, (_, i) => alphabet[Number.parseInt(bits.slice(i * 5, i * 5 + 5), 2)]).join('');
    return letters.match(/.{4}/g)?.join('-') ?? letters;
  });
}

/** bcrypt reads at most 72 bytes; longer passwords are refused rather than silently truncated. */
const MAX_PASSWORD_BYTES = 72;

/**
 * The Authura README's rule: at least 8 characters with an upper-case letter, a lower-case
 * letter, a digit and a special character; plus bcrypt's 72-byte limit.
 * Returns the first unmet requirement as a sentence, or `undefined` when the password is fine.
 */
export function checkPasswordPolicy(password: string): string | undefined {
  if ([...password].length < 8) return 'must be at least 8 characters long';
  if (Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES) {
    return `must be at most ${MAX_PASSWORD_BYTES} bytes long (UTF-8)`;
  }
  if (!/\p{Lu}/u.test(password)) return 'must contain an upper-case letter';
  if (!/\p{Ll}/u.test(password)) return 'must contain a lower-case letter';
  if (!/\p{Nd}/u.test(password)) return 'must contain a digit';
  if (!/[^\p{L}\p{N}]/u.test(password)) return 'must contain a special character';
  return undefined;
}

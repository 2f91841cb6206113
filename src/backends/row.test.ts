import { describe, expect, it } from 'vitest';
import { toMfaRecord } from './mfa-record.js';
import { toPasskeyRecord } from './passkey-record.js';
import { stringList, wholeNumber } from './row.js';

describe('values as stores return them', () => {
  it('a whole number: a number, a bigint or digits; nothing negative, fractional or unsafe', () => {
    for (const [value, expected] of [[7, 7], [7n, 7], ['7', 7], [0, 0]] as const) expect(wholeNumber(value)).toBe(expected);
    for (const value of [-1, 1.5, '1.5', '-1', '', null, undefined, 2 ** 60, 2n ** 60n, '1234567890123456', true]) expect(wholeNumber(value), String(value)).toBeUndefined();
  });

  it('a list of strings: JSON text or an array', () => {
    expect(stringList('["usb","nfc"]')).toEqual(['usb', 'nfc']);
    expect(stringList(['a'])).toEqual(['a']);
    for (const value of ['not json', '{"a":1}', '[1]', [1], null, 3]) expect(stringList(value), String(value)).toBeUndefined();
  });
});

describe('a malformed MFA or passkey row is a bad_response, never half-read', () => {
  const mfa = { user_id: '1', tenant_id: null, totp_secret: null, totp_confirmed_at: null, totp_last_step: '0', recovery_codes: '[]', version: 0n };
  const passkey = { id: 'k', user_id: '1', tenant_id: null, public_key: 'pk', counter: 0, transports: '[]', backup_eligible: 0, backed_up: false, name: 'key', created_at: '2026-01-01', last_used_at: null, version: '2' };

  it('reads good rows', () => {
    expect(toMfaRecord(mfa, 'store')).toMatchObject({ totpLastStep: 0, recoveryCodes: [], version: 0 });
    expect(toPasskeyRecord(passkey, 'store')).toMatchObject({ counter: 0, transports: [], version: 2, backupEligible: false });
  });

  it.each([
    ['mfa', () => toMfaRecord({ ...mfa, version: -1 }, 'store')],
    ['mfa', () => toMfaRecord({ ...mfa, recovery_codes: '[1]' }, 'store')],
    ['mfa', () => toMfaRecord({ ...mfa, totp_last_step: 1.5 }, 'store')],
    ['mfa', () => toMfaRecord(null, 'store')],
    ['passkey', () => toPasskeyRecord({ ...passkey, transports: 'usb' }, 'store')],
    ['passkey', () => toPasskeyRecord({ ...passkey, counter: '-3' }, 'store')],
  ])('%s', (_kind, read) => {
    expect(read).toThrow(expect.objectContaining({ code: 'bad_response' }));
  });
});

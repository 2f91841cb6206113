import { randomBytes } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import { describe, expect, it } from 'vitest';
import { mfaKeys } from './keys.js';
import { newRecoveryCodes, newTotpSecret, totpStep } from './totp.js';

const key = () => randomBytes(32).toString('base64');

describe('MFA keys', () => {
  it('seal a secret for one user and tenant: another user, tenant, key or a changed byte opens nothing', () => {
    const keys = mfaKeys(key(), []);
    const sealed = keys.seal('JBSWY3DPEHPK3PXP', '42', 'acme');
    expect(sealed).not.toContain('JBSWY3DPEHPK3PXP');
    expect(keys.open(sealed, '42', 'acme')).toBe('JBSWY3DPEHPK3PXP');
    expect(keys.open(sealed, '43', 'acme')).toBeUndefined();
    expect(keys.open(sealed, '42', null)).toBeUndefined();
    expect(mfaKeys(key(), []).open(sealed, '42', 'acme')).toBeUndefined();
    const tampered = `${sealed.slice(0, -2)}${sealed.endsWith('A') ? 'B' : 'A'}A`;
    expect(keys.open(tampered, '42', 'acme')).toBeUndefined();
  });

  it('rotate: a secret sealed and a recovery code hashed under a retired key still open and match', () => {
    const old = key();
    const before = mfaKeys(old, []);
    const sealed = before.seal('secret', '7', null);
    const [code] = newRecoveryCodes() as [string];
    const hashed = before.hashRecoveryCode(code);
    const after = mfaKeys(key(), [old]);
    expect(after.open(sealed, '7', null)).toBe('secret');
    expect(after.findRecoveryCode(code.toUpperCase().replaceAll('-', ' '), ['x.y', hashed])).toBe(hashed);
    expect(after.findRecoveryCode('aaaa-bbbb-cccc-dddd', [hashed])).toBeUndefined();
  });

  it('recovery codes carry 80 random bits each', () => {
    const codes = newRecoveryCodes();
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code.replaceAll('-', '')).toMatch(/^[a-z2-7]{16}$/); // 16 × 5 bits
  });
});

describe('TOTP', () => {
  it('accepts the code of this step and its neighbours, each once: an older or used step is refused', () => {
    const secret = newTotpSecret();
    const app = new TOTP({ secret: Secret.fromBase32(secret) });
    const now = 1_790_000_000_000;
    const step = Math.floor(now / 30_000);
    expect(totpStep(secret, app.generate({ timestamp: now }), now, 0)).toBe(step);
    expect(totpStep(secret, app.generate({ timestamp: now - 30_000 }), now, 0)).toBe(step - 1);
    expect(totpStep(secret, app.generate({ timestamp: now + 30_000 }), now, 0)).toBe(step + 1);
    expect(totpStep(secret, app.generate({ timestamp: now - 60_000 }), now, 0)).toBeUndefined();
    expect(totpStep(secret, app.generate({ timestamp: now }), now, step)).toBeUndefined();
    expect(totpStep(secret, app.generate({ timestamp: now - 30_000 }), now, step - 1)).toBeUndefined();
  });
});

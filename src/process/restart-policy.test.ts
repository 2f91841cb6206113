import { describe, expect, it } from 'vitest';
import { restartPolicy } from './restart-policy.js';

describe('replacing crashed gateway processes', () => {
  it('waits 1 s, then twice as long each crash, and stops at the 5th crash within 60 s', () => {
    const policy = restartPolicy();
    expect([0, 10_000, 20_000, 30_000].map((t) => policy.crashed(t))).toEqual([1000, 2000, 4000, 8000].map((delayMs) => ({ action: 'restart', delayMs })));
    expect(policy.crashed(40_000)).toEqual({ action: 'stop', reason: '5 gateway processes crashed within 60 s' });
  });

  it('keeps doubling up to 30 s while crashes come less than a minute apart, and starts again after a quiet minute', () => {
    const policy = restartPolicy();
    // One crash every 50 s: never 5 within a minute, but never a quiet minute either.
    const delays = Array.from({ length: 8 }, (_, i) => policy.crashed(i * 50_000)).map((d) => (d.action === 'restart' ? d.delayMs : d.action));
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
    expect(policy.crashed(7 * 50_000 + 60_000)).toEqual({ action: 'restart', delayMs: 1000 });
  });
});

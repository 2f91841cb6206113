import { describe, expect, it } from 'vitest';
import { coalescedProbe, READINESS_TTL_MS } from './operations.js';

describe('coalescedProbe', () => {
  it('runs one probe for any number of waiting callers and reuses its outcome until the TTL has passed', async () => {
    let time = 1_000_000;
    const clock = { now: () => time };
    let calls = 0;
    let fail = false;
    let release: () => void = () => {};
    const probe = coalescedProbe(() => {
      calls += 1;
      return new Promise<void>((resolve, reject) => {
        release = () => (fail ? reject(new Error('down')) : resolve());
      });
    }, clock);

    const waiting = Array.from({ length: 10 }, () => probe());
    time += 5 * READINESS_TTL_MS; // still in flight: never a second probe
    probe();
    expect(calls).toBe(1);
    release();
    await Promise.all(waiting);

    time += READINESS_TTL_MS - 1;
    await probe();
    expect(calls).toBe(1);

    time += 1;
    fail = true;
    const failing = probe();
    release();
    await expect(failing).rejects.toThrow('down');
    expect(calls).toBe(2);
    // A failure is reused too, for the same time.
    await expect(probe()).rejects.toThrow('down');
    expect(calls).toBe(2);
  });
});

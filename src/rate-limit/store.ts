import { type Clock, systemClock } from '../core/clock.js';

/** A counter in a window, as a rate-limit store keeps it. */
export interface Counter {
  readonly count: number;
  /** Milliseconds until the window ends. */
  readonly resetMs: number;
}

/**
 * Where rate-limit counters live: this process's memory, or Redis to share them between
 * instances. Every operation is atomic per key.
 */
export interface RateStore {
  /** Adds one to `key`; a new key's window is `windowMs`. */
  increment(key: string, windowMs: number): Promise<Counter>;
  /** The current counter, or `null` when the key has no live window. */
  get(key: string): Promise<Counter | null>;
  delete(key: string): Promise<void>;
  close(): Promise<void>;
}

/** Counters in this process's memory; expired keys are swept every minute. */
export function createMemoryStore(clock: Clock = systemClock): RateStore {
  const now = () => clock.now();
  const counters = new Map<string, { count: number; expiresAt: number }>();
  const sweep = setInterval(() => {
    const t = now();
    for (const [key, value] of counters) if (value.expiresAt <= t) counters.delete(key);
  }, 60_000);
  sweep.unref();
  const live = (key: string) => {
    const value = counters.get(key);
    if (value && value.expiresAt <= now()) {
      counters.delete(key);
      return undefined;
    }
    return value;
  };
  return {
    async increment(key, windowMs) {
      const value = live(key) ?? { count: 0, expiresAt: now() + windowMs };
      value.count += 1;
      counters.set(key, value);
      return { count: value.count, resetMs: value.expiresAt - now() };
    },
    async get(key) {
      const value = live(key);
      return value ? { count: value.count, resetMs: value.expiresAt - now() } : null;
    },
    async delete(key) {
      counters.delete(key);
    },
    async close() {
      clearInterval(sweep);
      counters.clear();
    },
  };
}

/** Thrown when a shared store (Redis) cannot answer: the caller fails closed (503). */
export class RateStoreError extends Error {
  constructor(cause: unknown) {
    super('The rate-limit store (Redis) is unavailable', { cause });
    this.name = 'RateStoreError';
  }
}

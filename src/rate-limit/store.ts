import type { Clock } from '../core/clock.js';

/** A counter in a fixed window, as a rate-limit store keeps it. */
interface Counter {
  readonly count: number;
  /** Milliseconds until the window ends. */
  readonly resetMs: number;
}

/** A counter with a ceiling: at `limit`, taking from it is refused until its window ends. */
export interface Bucket {
  readonly key: string;
  readonly windowMs: number;
  readonly limit: number;
}

/** One password check about to run, as the store counts it (see {@link RateStore.attempt}). */
export interface AttemptRequest {
  /** Failed checks of this account from this client, in a window of `failureWindowMs`. */
  readonly failures: string;
  /** Set while this account and client are backed off. */
  readonly block: string;
  readonly failureWindowMs: number;
  readonly freeAttempts: number;
  readonly maxBackoffMs: number;
  /** The account's ceiling over every client; absent when it does not apply (off, or a known device). */
  readonly account?: Bucket;
}

export type AttemptResult = { readonly allowed: true } | { readonly allowed: false; readonly reason: 'backoff' | 'account'; readonly resetMs: number };

/**
 * Where rate-limit counters live: this process's memory, or Redis to share them between
 * instances. Every operation is one atomic step (one Lua script in Redis), so concurrent
 * requests can never all pass a check made before any of them counted. Windows are measured on
 * the gateway's clock, passed in, so tests move it instead of waiting.
 */
export interface RateStore {
  /** Adds one to `key`; a new window of `windowMs` starts when none is live. */
  hit(key: string, windowMs: number): Promise<Counter>;
  /**
   * All or nothing: when every bucket is below its limit, adds one to each and answers `null`;
   * otherwise changes nothing and answers the milliseconds until the fullest one empties.
   */
  take(buckets: readonly Bucket[]): Promise<number | null>;
  /** Takes one back from each live counter (a refund: the counted thing did not happen). */
  give(keys: readonly string[]): Promise<void>;
  /**
   * A password check, counted before it runs: refused while backed off or while the account is
   * at its ceiling; else one more failure is counted now (and the backoff set once past the free
   * attempts) — a success takes it back ({@link RateStore.delete} and {@link RateStore.give}).
   */
  attempt(request: AttemptRequest): Promise<AttemptResult>;
  delete(keys: readonly string[]): Promise<void>;
  /** Resolves when the store answers (readiness); rejects with {@link RateStoreError} otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** The backoff after `over` failures past the free ones: 1 s, 2 s, 4 s, … up to the maximum. */
function backoffMs(over: number, maxBackoffMs: number): number {
  return Math.min(maxBackoffMs, 1000 * 2 ** Math.min(over - 1, 30));
}

/** Counters in this process's memory; expired ones are swept every minute. */
export function createMemoryStore(clock: Clock): RateStore {
  const counters = new Map<string, { count: number; resetAt: number }>();
  const sweep = setInterval(() => {
    const now = clock.now();
    for (const [key, value] of counters) if (value.resetAt <= now) counters.delete(key);
  }, 60_000);
  sweep.unref();
  const live = (key: string, now: number) => {
    const value = counters.get(key);
    return value && value.resetAt > now ? value : undefined;
  };
  const add = (key: string, windowMs: number, now: number) => {
    const value = live(key, now) ?? { count: 0, resetAt: now + windowMs };
    value.count += 1;
    counters.set(key, value);
    return value;
  };
  // Each operation runs to its end without awaiting: atomic within the process.
  return {
    async hit(key, windowMs) {
      const now = clock.now();
      const value = add(key, windowMs, now);
      return { count: value.count, resetMs: value.resetAt - now };
    },
    async take(buckets) {
      const now = clock.now();
      let waitMs: number | null = null;
      for (const b of buckets) {
        const value = live(b.key, now);
        if (value && value.count >= b.limit) waitMs = Math.max(waitMs ?? 0, value.resetAt - now);
      }
      if (waitMs !== null) return waitMs;
      for (const b of buckets) add(b.key, b.windowMs, now);
      return null;
    },
    async give(keys) {
      const now = clock.now();
      for (const key of keys) {
        const value = live(key, now);
        if (value && value.count > 0) value.count -= 1;
      }
    },
    async attempt(request) {
      const now = clock.now();
      const block = live(request.block, now);
      if (block) return { allowed: false, reason: 'backoff', resetMs: block.resetAt - now };
      const account = request.account && live(request.account.key, now);
      if (request.account && account && account.count >= request.account.limit) return { allowed: false, reason: 'account', resetMs: account.resetAt - now };
      const over = add(request.failures, request.failureWindowMs, now).count - request.freeAttempts;
      if (over > 0) counters.set(request.block, { count: 1, resetAt: now + backoffMs(over, request.maxBackoffMs) });
      if (request.account) add(request.account.key, request.account.windowMs, now);
      return { allowed: true };
    },
    async delete(keys) {
      for (const key of keys) counters.delete(key);
    },
    async ping() {},
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

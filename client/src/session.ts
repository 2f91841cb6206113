import type { Tokens } from './api.js';
import { AuthuraError, isAuthuraError } from './errors.js';

/** What the keeper knows of the signed-in session. */
export interface SessionState {
  /** JSON delivery only: with cookie delivery the browser holds the tokens, out of the script's reach. */
  readonly accessToken?: string;
  readonly refreshToken?: string;
  /** When the access token expires: milliseconds since the epoch, by this device's clock. */
  readonly expiresAt: number;
}

/** Where the keeper keeps the session. `shared`: every tab of the origin reads the same one. */
export interface SessionStore {
  readonly shared: boolean;
  get(): SessionState | null;
  set(state: SessionState | null): void;
}

/** This tab (or process) only; gone on reload. */
export function memoryStore(): SessionStore {
  let state: SessionState | null = null;
  return {
    shared: false,
    get: () => state,
    set(next) {
      state = next;
    },
  };
}

/**
 * A Web Storage area (`localStorage`): every tab of the origin shares the session, and a reload
 * keeps it. With JSON delivery the tokens are then readable by any script of the origin (as they
 * are in memory to a script that runs in the page): weigh it against cookie delivery.
 */
export function webStorageStore(storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>, key = 'authura.session'): SessionStore {
  return {
    shared: true,
    get() {
      try {
        const parsed = JSON.parse(storage.getItem(key) ?? 'null') as SessionState | null;
        return parsed !== null && typeof parsed.expiresAt === 'number' ? parsed : null;
      } catch {
        return null;
      }
    },
    set(state) {
      if (state === null) storage.removeItem(key);
      else storage.setItem(key, JSON.stringify(state));
    },
  };
}

/** Time, and the one timer the keeper sets (injected by tests). */
export interface Clock {
  now(): number;
  /** Runs `run` after `ms`; the answer cancels it. */
  setTimer(run: () => void, ms: number): () => void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(run, ms) {
    const timer = setTimeout(run, ms);
    // Node: a pending refresh does not keep the process alive.
    (timer as { unref?: () => void }).unref?.();
    return () => clearTimeout(timer);
  },
};

/** The part of the Web Locks API the keeper uses (`navigator.locks`). */
export interface Locks {
  request<T>(name: string, callback: () => Promise<T>): Promise<T>;
}

/** The part of BroadcastChannel the keeper uses. */
export interface Channel {
  postMessage(message: unknown): void;
  addEventListener(type: 'message', listener: () => void): void;
  close(): void;
}

export interface SessionKeeperOptions {
  readonly store: SessionStore;
  /** Whether the session lives in cookies (the keeper holds only its expiry). */
  readonly cookies: boolean;
  /** Calls POST /refresh with `refreshToken` (JSON delivery) or the cookie. */
  readonly refresh: (refreshToken: string | undefined) => Promise<Tokens>;
  readonly leewaySeconds: number;
  readonly autoRefresh: boolean;
  readonly clock: Clock;
  /** Held while refreshing: across tabs with Web Locks, else within this process. */
  readonly locks: Locks | undefined;
  readonly lockName: string;
  /** Tells the other tabs the session changed (shared stores only). */
  readonly channel: Channel | undefined;
}

/** After a refresh that failed for another reason than a dead session: try again this much later. */
const RETRY_MS = 10_000;

/**
 * Keeps the session: the tokens a sign-in issued, an access token refreshed `leewaySeconds`
 * before it expires, and one refresh at a time — across the tabs sharing the session (Web Locks:
 * the tab that gets the lock second finds the session refreshed and takes it, sparing the gateway
 * a second refresh; BroadcastChannel tells the other tabs to re-read it).
 */
export class SessionKeeper {
  readonly #options: SessionKeeperOptions;
  #state: SessionState | null;
  #inflight: Promise<Tokens> | undefined;
  #cancelTimer: (() => void) | undefined;
  #localLock: Promise<unknown> = Promise.resolve();
  readonly #listeners = new Set<(state: SessionState | null) => void>();

  constructor(options: SessionKeeperOptions) {
    this.#options = options;
    this.#state = options.store.get();
    options.channel?.addEventListener('message', () => this.#adopt(options.store.get()));
    this.#schedule();
  }

  /** The session as this tab knows it (null: signed out). */
  get state(): SessionState | null {
    return this.#state;
  }

  /** Calls `listener` whenever the session changes (here or in another tab); the answer stops it. */
  onChange(listener: (state: SessionState | null) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Keeps what a call issued (JSON delivery: the tokens; cookie delivery: their lifetime). */
  keep(tokens: Tokens): void {
    const expiresAt = this.#options.clock.now() + tokens.expires_in * 1000;
    if (this.#options.cookies) this.#set({ expiresAt });
    else this.#set({ accessToken: tokens.access_token, refreshToken: tokens.refresh_token ?? this.#state?.refreshToken, expiresAt });
  }

  /** Forgets the session (after a logout, or when the gateway said it is over). */
  clear(): void {
    this.#set(null);
  }

  /** An access token good for at least the leeway (refreshed first when it is not); undefined when signed out. */
  async accessToken(): Promise<string | undefined> {
    const state = this.#state;
    if (state === null || this.#options.cookies) return undefined;
    if (this.#due(state) && state.refreshToken !== undefined) await this.refresh();
    return this.#state?.accessToken;
  }

  /** Whether a refresh can be tried: a refresh token (JSON), or cookies that may hold one. */
  get canRefresh(): boolean {
    return this.#options.cookies || this.#state?.refreshToken !== undefined;
  }

  /** Refreshes the session: one refresh in flight for this tab, and one at a time across tabs. */
  refresh(): Promise<Tokens> {
    this.#inflight ??= this.#refreshUnderLock(this.#state).finally(() => {
      this.#inflight = undefined;
    });
    return this.#inflight;
  }

  /** Stops the timer and the channel. */
  close(): void {
    this.#cancelTimer?.();
    this.#options.channel?.close();
  }

  async #refreshUnderLock(asked: SessionState | null): Promise<Tokens> {
    return this.#withLock(async () => {
      const current = this.#options.store.shared ? this.#options.store.get() : this.#state;
      // Another tab refreshed (or signed in) while this one waited: its session is this one's.
      if (current !== null && asked !== null && current.expiresAt > asked.expiresAt && !this.#due(current)) {
        this.#adopt(current);
        return this.#tokensOf(current);
      }
      if (!this.#options.cookies && current?.refreshToken === undefined) {
        throw new AuthuraError('unauthorized', 401, 'No session to refresh: sign in');
      }
      try {
        const tokens = await this.#options.refresh(current?.refreshToken);
        this.keep(tokens);
        return tokens;
      } catch (error) {
        // The gateway says the session is over (logged out, password changed, user deleted).
        if (isAuthuraError(error, 'invalid_token', 'unauthorized')) this.clear();
        throw error;
      }
    });
  }

  #withLock<T>(run: () => Promise<T>): Promise<T> {
    if (this.#options.locks) return this.#options.locks.request(this.#options.lockName, run);
    const next = this.#localLock.then(run, run);
    this.#localLock = next.catch(() => undefined);
    return next;
  }

  #due(state: SessionState): boolean {
    return state.expiresAt - this.#options.leewaySeconds * 1000 <= this.#options.clock.now();
  }

  #tokensOf(state: SessionState): Tokens {
    const expires_in = Math.max(0, Math.floor((state.expiresAt - this.#options.clock.now()) / 1000));
    return { ...(state.accessToken ? { access_token: state.accessToken } : {}), ...(state.refreshToken ? { refresh_token: state.refreshToken } : {}), token_type: 'Bearer', expires_in };
  }

  #set(state: SessionState | null): void {
    this.#options.store.set(state);
    this.#options.channel?.postMessage('changed');
    this.#adopt(state);
  }

  #adopt(state: SessionState | null): void {
    this.#state = state;
    this.#schedule();
    for (const listener of this.#listeners) listener(state);
  }

  #schedule(delay?: number): void {
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
    const state = this.#state;
    if (!this.#options.autoRefresh || state === null || !this.canRefresh) return;
    const { clock, leewaySeconds } = this.#options;
    const wait = delay ?? Math.max(0, state.expiresAt - leewaySeconds * 1000 - clock.now());
    this.#cancelTimer = clock.setTimer(() => {
      this.refresh().catch((error: unknown) => {
        // A dead session was cleared already; anything else (the network, a 503): try again.
        if (this.#state !== null && !isAuthuraError(error, 'invalid_token', 'unauthorized')) this.#schedule(RETRY_MS);
      });
    }, wait);
  }
}

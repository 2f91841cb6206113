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
  /** Browsers: who holds and who waits for which lock (the keeper counts the tabs waiting for its own). */
  query?(): Promise<{ pending?: Array<{ name?: string }> }>;
}

/** The part of BroadcastChannel the keeper uses. */
export interface Channel {
  postMessage(message: unknown): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  close(): void;
}

/** What tabs tell each other: the session changed (`state`), and "heard it" to the tab that changed it. */
type Message = { type: 'changed'; from: string; state: SessionState | null } | { type: 'heard'; to: string };

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
/** The longest a refreshing tab waits for the tabs queued behind it to hear the new session (a tab may hang). */
const HEARD_WAIT_MS = 1_000;

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
  /** This keeper, among the tabs. */
  readonly #id = Math.random().toString(36).slice(2);
  /** Waiting for the refresh lock another tab holds. */
  #queued = false;
  /** The tabs that heard this one's last change. */
  #heard: { count: number; notify: () => void } | undefined;

  constructor(options: SessionKeeperOptions) {
    this.#options = options;
    this.#state = options.store.get();
    options.channel?.addEventListener('message', (event) => this.#hear(event.data as Message));
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
    this.#queued = true;
    return this.#withLock(async () => {
      this.#queued = false;
      // What another tab told this one (its message carries the session), or else the shared store.
      const stored = this.#options.store.shared ? this.#options.store.get() : null;
      const current = stored !== null && (this.#state === null || stored.expiresAt > this.#state.expiresAt) ? stored : this.#state;
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
        const waiting = await this.#tabsQueued();
        const heard = new Promise<void>((resolve) => {
          this.#heard = { count: waiting, notify: resolve };
          if (waiting === 0) resolve();
        });
        this.keep(tokens);
        // The tabs queued for the lock get it next: they hear the new session first, and take it.
        const cancel = this.#options.clock.setTimer(() => this.#heard?.notify(), HEARD_WAIT_MS);
        await heard;
        cancel();
        this.#heard = undefined;
        return tokens;
      } catch (error) {
        // The gateway says the session is over (logged out, password changed, user deleted).
        if (isAuthuraError(error, 'invalid_token', 'unauthorized')) this.clear();
        throw error;
      }
    });
  }

  /** How many other tabs wait for the refresh lock (0 without Web Locks' query, or without a channel to tell them). */
  async #tabsQueued(): Promise<number> {
    const { locks, channel, lockName } = this.#options;
    if (!channel || !locks?.query) return 0;
    const { pending = [] } = await locks.query();
    return pending.filter((lock) => lock.name === lockName).length;
  }

  #hear(message: Message): void {
    if (message.type === 'heard') {
      if (message.to === this.#id && this.#heard && --this.#heard.count <= 0) this.#heard.notify();
      return;
    }
    this.#adopt(message.state);
    if (this.#queued) this.#options.channel?.postMessage({ type: 'heard', to: message.from } satisfies Message);
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
    this.#options.channel?.postMessage({ type: 'changed', from: this.#id, state } satisfies Message);
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

import { OPERATIONS, type OperationInfo, type Operations, type Tokens } from './api.js';
import { AuthuraError, type ClientErrorCode, errorFromResponse } from './errors.js';
import { type Channel, type Clock, type Locks, memoryStore, SessionKeeper, type SessionStore, systemClock, webStorageStore } from './session.js';

export interface AuthuraClientOptions {
  /** The gateway's URL (its EXTERNAL_URL): `https://auth.example.com`. */
  readonly baseUrl: string;
  /**
   * How the gateway delivers tokens (its TOKEN_DELIVERY): `json` (default) — the client keeps
   * them and sends the access token; `cookie` — the browser keeps them (HttpOnly), the client
   * sends credentials and keeps only their lifetime.
   */
  readonly delivery?: 'json' | 'cookie';
  /** The tenant every call names (multi-tenancy); a call's `tenant` option overrides it. */
  readonly tenant?: string;
  /** The gateway's TENANT_HEADER (default `X-Tenant-ID`). */
  readonly tenantHeader?: string;
  /**
   * Where the session is kept. Default: in memory for `json`; for `cookie`, `localStorage` when
   * there is one (it then holds only the expiry, and every tab shares it).
   */
  readonly store?: SessionStore;
  /** Refresh this long before the access token expires (default 30 seconds). */
  readonly refreshLeewaySeconds?: number;
  /** Refresh before expiry on a timer (default true); otherwise only when a call needs a fresh token. */
  readonly autoRefresh?: boolean;
  readonly fetch?: typeof fetch;
  readonly clock?: Clock;
  /** Default `navigator.locks` (browsers, Node 24+); `null`: within this process only. */
  readonly locks?: Locks | null;
}

/** Per call. */
export interface CallOptions {
  readonly signal?: AbortSignal;
  /** This call's tenant (`null`: none). */
  readonly tenant?: string | null;
  /**
   * This call's bearer token instead of the session's access token: an enrolment token for
   * `mfaEnroll`/`mfaConfirm`, an admin's token for impersonation (`token` then keeps nothing).
   */
  readonly bearer?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

type Name = keyof Operations;
type Callable = { [K in Name]: (typeof OPERATIONS)[K]['redirect'] extends true ? never : K }[Name];
type Params<K extends Name> = [Operations[K]['params']] extends [never] ? [] : [params: Operations[K]['params']];
type Body<K extends Name> = (typeof OPERATIONS)[K]['body'] extends 'required'
  ? [body: Operations[K]['body']]
  : (typeof OPERATIONS)[K]['body'] extends 'optional'
    ? [body?: Operations[K]['body']]
    : [];
/** What operation `K` can throw: the codes its route documents, and the client's own. */
export type OperationError<K extends Name> = AuthuraError<Operations[K]['errors'] | ClientErrorCode>;

/** One operation: `(path params?, body?, options?)` → its answer, or an {@link OperationError}. */
export type OperationCall<K extends Name> = (...args: [...Params<K>, ...Body<K>, options?: CallOptions]) => Promise<Operations[K]['ok']>;

export type AuthuraClient = { readonly [K in Callable]: OperationCall<K> } & {
  /** The session: its state, changes, an access token, a refresh. */
  readonly session: SessionKeeper;
  /** The URL that starts an OAuth sign-in (navigate to it); the tokens come back in the redirect URL's fragment. */
  oauthUrl(provider: Operations['oauthStart']['params']['provider'], query?: Operations['oauthStart']['query']): string;
  /**
   * Reads the fragment the OAuth callback redirected to (`location.hash`): keeps the session and
   * answers the tokens, or throws (`mfa_required` with its mfa token; `oauth_failed` otherwise).
   */
  completeOAuth(fragment: string): Tokens;
  /** Stops the refresh timer and the cross-tab channel. */
  close(): void;
};

/** A client for the gateway at `options.baseUrl`: every operation, typed from its API description. */
export function createAuthuraClient(options: AuthuraClientOptions): AuthuraClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const cookies = options.delivery === 'cookie';
  const tenantHeader = options.tenantHeader ?? 'X-Tenant-ID';
  const fetchImpl = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init));
  const browserStorage = (globalThis as { localStorage?: Storage }).localStorage;
  const store = options.store ?? (cookies && browserStorage ? webStorageStore(browserStorage, `authura.session:${baseUrl}`) : memoryStore());
  const scope = `authura:${baseUrl}:${options.tenant ?? ''}`;
  const channel = store.shared && typeof BroadcastChannel === 'function' ? (new BroadcastChannel(scope) as Channel) : undefined;
  const locks = options.locks === null ? undefined : (options.locks ?? (globalThis as { navigator?: { locks?: Locks } }).navigator?.locks);

  async function send(name: Name, info: OperationInfo, params: Record<string, unknown> | undefined, body: unknown, call: CallOptions, retried = false): Promise<unknown> {
    const path = info.path.replace(/\{(\w+)\}/g, (_, key: string) => encodeURIComponent(String(params?.[key] ?? '')));
    const headers: Record<string, string> = { accept: 'application/json', ...call.headers };
    const tenant = call.tenant === undefined ? options.tenant : call.tenant;
    if (info.tenant && tenant) headers[tenantHeader] = tenant;
    // With cookies, a state-changing call shows it comes from a script (the gateway's cookie rule).
    if (cookies) headers['x-requested-with'] = 'XMLHttpRequest';
    const bearer = call.bearer ?? (info.bearer === 'none' ? undefined : await session.accessToken());
    if (bearer) headers.authorization = `Bearer ${bearer}`;
    let payload: string | undefined;
    if (info.method === 'POST' || info.method === 'PATCH') {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body ?? {});
    }
    const init: RequestInit = { method: info.method, headers, credentials: cookies ? 'include' : 'same-origin' };
    if (payload !== undefined) init.body = payload;
    if (call.signal) init.signal = call.signal;
    let response: Response;
    try {
      response = await fetchImpl(`${baseUrl}${path}`, init);
    } catch (cause) {
      if (call.signal?.aborted) throw cause;
      throw new AuthuraError('network_error', 0, `The gateway at ${baseUrl} could not be reached`, { cause });
    }
    if (!response.ok) {
      const error = await errorFromResponse(response);
      // The access token was refused (revoked keys, a clock ahead): refresh once and try again.
      if (!retried && error.code === 'invalid_token' && call.bearer === undefined && info.bearer === 'required' && session.canRefresh) {
        await session.refresh();
        return send(name, info, params, body, call, true);
      }
      if (name === 'logout') session.clear();
      throw error;
    }
    const data: unknown = await response.json().catch((cause: unknown) => {
      throw new AuthuraError('unexpected_response', response.status, 'The answer is not JSON', { cause });
    });
    const issued = info.tokens === 'answer' ? data : info.tokens === 'tokens' ? (data as { tokens?: unknown }).tokens : undefined;
    // Impersonation (an admin's bearer on /token) answers someone else's token: not this session's.
    const impersonating = name === 'token' && call.bearer !== undefined;
    if (issued !== undefined && !impersonating) session.keep(issued as Tokens);
    if (name === 'logout') session.clear();
    return data;
  }

  const refreshInfo: OperationInfo = OPERATIONS.refresh;
  const session = new SessionKeeper({
    store,
    cookies,
    refresh: (refreshToken) => send('refresh', { ...refreshInfo, tokens: undefined }, undefined, cookies ? {} : { refresh_token: refreshToken }, {}) as Promise<Tokens>,
    leewaySeconds: options.refreshLeewaySeconds ?? 30,
    autoRefresh: options.autoRefresh ?? true,
    clock: options.clock ?? systemClock,
    locks,
    lockName: `${scope}:refresh`,
    channel,
  });

  const client: Record<string, unknown> = {
    session,
    oauthUrl(provider: string, query: Record<string, string | undefined> = {}) {
      const url = new URL(`${baseUrl}${OPERATIONS.oauthStart.path.replace('{provider}', encodeURIComponent(provider))}`);
      const tenant = query.tenant ?? options.tenant;
      for (const [key, value] of Object.entries({ ...query, tenant })) if (value !== undefined) url.searchParams.set(key, value);
      return url.toString();
    },
    completeOAuth(fragment: string): Tokens {
      const answer = new URLSearchParams(fragment.replace(/^#/, ''));
      const error = answer.get('error');
      if (error !== null) {
        const body = Object.fromEntries(answer);
        const message = answer.get('error_description') ?? 'The sign-in failed';
        if (error === 'mfa_required' || error === 'mfa_enrollment_required') throw new AuthuraError(error, 403, message, { body });
        throw new AuthuraError('oauth_failed', 0, message, { body });
      }
      const expiresIn = Number(answer.get('expires_in'));
      if (!Number.isFinite(expiresIn) || expiresIn <= 0) throw new AuthuraError('oauth_failed', 0, 'The fragment carries no sign-in', { body: Object.fromEntries(answer) });
      const tokens: Tokens = { token_type: 'Bearer', expires_in: expiresIn };
      for (const key of ['access_token', 'refresh_token'] as const) {
        const value = answer.get(key);
        if (value !== null) tokens[key] = value;
      }
      session.keep(tokens);
      return tokens;
    },
    close() {
      session.close();
    },
  };
  for (const [name, info] of Object.entries(OPERATIONS) as Array<[Name, OperationInfo]>) {
    if (info.redirect) continue;
    client[name] = (...args: unknown[]) => {
      let at = 0;
      const params = info.path.includes('{') ? (args[at++] as Record<string, unknown>) : undefined;
      const body = info.body === false ? undefined : args[at++];
      const call = (args[at] as CallOptions | undefined) ?? {};
      // The session's own refresh: one at a time, across tabs.
      if (name === 'refresh' && (body as { refresh_token?: string } | undefined)?.refresh_token === undefined && call.bearer === undefined) return session.refresh();
      if (name === 'logout' && !cookies && body === undefined) return send(name, info, params, { refresh_token: session.state?.refreshToken }, call);
      return send(name, info, params, body, call);
    };
  }
  return client as AuthuraClient;
}

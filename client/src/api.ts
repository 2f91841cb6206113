// Generated from the gateway's /openapi.json (itself generated from the zod schemas that validate
// each request) by test/client/api.test.ts: do not edit. After a change to the API, rewrite it with
// `npx vitest run test/client/api.test.ts -u`; the test fails while it differs.

/** Every error code the gateway answers with. */
export const ERROR_CODES = [
  'validation_failed',
  'invalid_json',
  'tenant_required',
  'invalid_redirect_url',
  'weak_password',
  'passkey_refused',
  'unauthorized',
  'invalid_token',
  'invalid_credentials',
  'invalid_code',
  'forbidden',
  'signup_disabled',
  'email_not_verified',
  'impersonation_disabled',
  'reauthentication_required',
  'mfa_required',
  'mfa_enrollment_required',
  'step_up_required',
  'cross_site_request',
  'not_found',
  'conflict',
  'payload_too_large',
  'unsupported_media_type',
  'rate_limited',
  'captcha_required',
  'captcha_failed',
  'invalid_host',
  'invalid_oauth_state',
  'internal_error',
  'not_supported',
  'mail_failed',
  'hook_failed',
  'backend_error',
  'backend_unavailable',
  'rate_limit_unavailable',
  'overloaded',
  'captcha_unavailable',
  'mail_unavailable',
  'metrics_unavailable',
  'backend_timeout',
  'mail_timeout',
  'hook_timeout',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** The body of every error answer. */
export type ErrorBody = {
  error: ErrorCode;
  message: string;
  /** `validation_failed`: each refused field and why */
  issues?: Array<{
    path: string;
    message: string;
  }>;
  /** `invalid_token`: why the token was refused (RFC 6750) */
  error_description?: string;
  /** `mfa_required`: send it to /mfa/verify with a code */
  mfa_token?: string;
  /** `mfa_required`: the second factors the user can use */
  methods?: Array<string>;
  /** `mfa_enrollment_required`: the bearer token for /mfa/totp/enroll and /mfa/totp/confirm */
  enrollment_token?: string;
};
export type User = {
  id: number | string;
  email: string;
  role: string;
  tenant_id: string | null;
  verified_at: string | null;
  hook_data?: Record<string, unknown>;
};
export type Tokens = {
  access_token?: string;
  refresh_token?: string;
  /** After a password login: send it back as `device_token` to sign in while the account is past LOGIN_ACCOUNT_MAX_FAILURES */
  device_token?: string;
  token_type: "Bearer";
  expires_in: number;
};

/** Every operation: path and query parameters, body, answer and the error codes it documents. */
export interface Operations {
  /** The process answers (`GET /healthz`) */
  health: {
    params: never;
    query: never;
    body: never;
    ok: {
      status: "ok";
    };
    errors: "internal_error";
  };
  /** The backend (and Redis, when configured) answer too (503 `{"status": "unavailable", "failing"}` when one does not) (`GET /readyz`) */
  ready: {
    params: never;
    query: never;
    body: never;
    ok: {
      status: string;
      backend: string;
    };
    errors: "internal_error";
  };
  /** The access tokens' public keys (EdDSA/RS256) (`GET /.well-known/jwks.json`) */
  jwks: {
    params: never;
    query: never;
    body: never;
    ok: {
      keys: Array<Record<string, unknown>>;
    };
    errors: "internal_error";
  };
  /** Mail a signup link (or a notice to an existing account) (`POST /signup`) */
  signup: {
    params: never;
    query: never;
    body: {
      "cf-turnstile-response"?: string;
      email: string;
      redirect_url?: string;
    };
    ok: Record<string, never>;
    errors: "invalid_redirect_url" | "invalid_host" | "validation_failed" | "invalid_json" | "tenant_required" | "captcha_required" | "captcha_failed" | "signup_disabled" | "payload_too_large" | "unsupported_media_type" | "rate_limited" | "internal_error" | "mail_failed" | "backend_error" | "rate_limit_unavailable" | "mail_unavailable" | "backend_unavailable" | "captcha_unavailable" | "mail_timeout" | "backend_timeout";
  };
  /** Carry out a mailed link's action (signup, invite, reset-password, change-email; revert-email signs nobody in) (`POST /verify-email`) */
  verifyEmail: {
    params: never;
    query: never;
    body: {
      "cf-turnstile-response"?: string;
      token: string;
      password?: string;
    };
    ok: {
      user: {
        id: number | string;
        email: string;
        role: string;
        tenant_id: string | null;
        verified_at: string | null;
        hook_data?: Record<string, unknown>;
      };
      tokens: {
        access_token?: string;
        refresh_token?: string;
        /** After a password login: send it back as `device_token` to sign in while the account is past LOGIN_ACCOUNT_MAX_FAILURES */
        device_token?: string;
        token_type: "Bearer";
        expires_in: number;
      };
    } | {
      user: {
        id: number | string;
        email: string;
        role: string;
        tenant_id: string | null;
        verified_at: string | null;
        hook_data?: Record<string, unknown>;
      };
      email_restored: true;
      reset_mailed: true;
    };
    errors: "weak_password" | "invalid_redirect_url" | "invalid_host" | "validation_failed" | "invalid_json" | "tenant_required" | "captcha_required" | "captcha_failed" | "invalid_token" | "mfa_required" | "mfa_enrollment_required" | "signup_disabled" | "cross_site_request" | "conflict" | "payload_too_large" | "unsupported_media_type" | "rate_limited" | "internal_error" | "mail_failed" | "backend_error" | "hook_failed" | "overloaded" | "rate_limit_unavailable" | "mail_unavailable" | "backend_unavailable" | "captcha_unavailable" | "mail_timeout" | "backend_timeout" | "hook_timeout";
  };
  /** Log in with email and password (or impersonate: empty password and an admin bearer token) (`POST /token`) */
  token: {
    params: never;
    query: never;
    body: {
      "cf-turnstile-response"?: string;
      email: string;
      password?: string;
      device_token?: string;
    };
    ok: {
      access_token?: string;
      refresh_token?: string;
      /** After a password login: send it back as `device_token` to sign in while the account is past LOGIN_ACCOUNT_MAX_FAILURES */
      device_token?: string;
      token_type: "Bearer";
      expires_in: number;
    };
    errors: "invalid_host" | "validation_failed" | "invalid_json" | "tenant_required" | "captcha_required" | "captcha_failed" | "invalid_credentials" | "invalid_token" | "mfa_required" | "mfa_enrollment_required" | "email_not_verified" | "impersonation_disabled" | "forbidden" | "cross_site_request" | "not_found" | "payload_too_large" | "unsupported_media_type" | "rate_limited" | "internal_error" | "backend_error" | "hook_failed" | "overloaded" | "rate_limit_unavailable" | "backend_unavailable" | "captcha_unavailable" | "backend_timeout" | "hook_timeout";
  };
  /** Mail a sign-in code and link (the same answer for every address) (`POST /passwordless/start`) */
  passwordlessStart: {
    params: never;
    query: never;
    body: {
      "cf-turnstile-response"?: string;
      email: string;
      redirect_url?: string;
    };
    ok: {
      challenge: string;
    };
    errors: "invalid_redirect_url" | "invalid_host" | "validation_failed" | "invalid_json" | "tenant_required" | "captcha_required" | "captcha_failed" | "payload_too_large" | "unsupported_media_type" | "rate_limited" | "internal_error" | "mail_failed" | "backend_error" | "rate_limit_unavailable" | "mail_unavailable" | "backend_unavailable" | "captcha_unavailable" | "mail_timeout" | "backend_timeout";
  };
  /** Sign in with the mailed code (`challenge` + `code`) or link (`token`); only this POST signs in (`POST /passwordless/verify`) */
  passwordlessVerify: {
    params: never;
    query: never;
    body: {
      /** The device that asked: /passwordless/start's `challenge`, with `code` */
      challenge?: string;
      /** The code from the mail, with `challenge` */
      code?: string;
      /** Any device: the mailed link's `token`, alone */
      token?: string;
    };
    ok: {
      access_token?: string;
      refresh_token?: string;
      /** After a password login: send it back as `device_token` to sign in while the account is past LOGIN_ACCOUNT_MAX_FAILURES */
      device_token?: string;
      token_type: "Bearer";
      expires_in: number;
    };
    errors: "invalid_redirect_url" | "invalid_host" | "validation_failed" | "invalid_json" | "tenant_required" | "invalid_code" | "invalid_token" | "mfa_required" | "mfa_enrollment_required" | "cross_site_request" | "conflict" | "payload_too_large" | "unsupported_media_type" | "rate_limited" | "internal_error" | "mail_failed" | "backend_error" | "hook_failed" | "overloaded" | "rate_limit_unavailable" | "mail_unavailable" | "backend_unavailable" | "mail_timeout" | "backend_timeout" | "hook_timeout";
  };
  /** Start setting up an authenticator app: a secret, its otpauth:// URI and a QR code (access token or enrolment token) (`POST /mfa/totp/enroll`) */
  mfaEnroll: {
    params: never;
    query: never;
    body: never;
    ok: {
      secret: string;
      uri: string;
      qr_svg: string;
    };
    errors: "invalid_host" | "tenant_required" | "unauthorized" | "invalid_token" | "forbidden" | "cross_site_request" | "conflict" | "internal_error" | "backend_error" | "backend_unavailable" | "backend_timeout";
  };
  /** Turn the authenticator app on with a code from it: ten recovery codes, shown once (and the session, for an enrolment token) (`POST /mfa/totp/confirm`) */
  mfaConfirm: {
    params: never;
    query: never;
    body: {
      code: string;
    };
    ok: {
      recovery_codes: Array<string>;
      tokens?: {
        access_token?: string;
        refresh_token?: string;
        /** After a password login: send it back as `device_token` to sign in while the account is past LOGIN_ACCOUNT_MAX_FAILURES */
        device_token?: string;
        token_type: "Bearer";
        expires_in: number;
      };
    };
    errors: "invalid_host" | "validation_failed" | "invalid_json" | "tenant_required" | "unauthorized" | "invalid_code" | "invalid_token" | "forbidden" | "cross_site_request" | "conflict" | "payload_too_large" | "unsupported_media_type" | "rate_limited" | "internal_error" | "backend_error" | "backend_unavailable" | "backend_timeout";
  };
  /** Ten new recovery codes (the old ones stop working); needs a recent step-up (`POST /mfa/recovery-codes`) */
  mfaRecoveryCodes: {
    params: never;
    query: never;
    body: never;
    ok: {
      recovery_codes: Array<string>;
    };
    errors: "invalid_host" | "tenant_required" | "unauthorized" | "invalid_token" | "forbidden" | "step_up_required" | "cross_site_request" | "conflict" | "internal_error" | "backend_error" | "backend_unavailable" | "backend_timeout";
  };
  /** Turn the second factor off: a recent step-up, and a code or a recovery code (`POST /mfa/totp/disable`) */
  mfaDisable: {
    params: never;
    query: never;
    body: {
      /** A code from the authenticator app */
      code?: string;
      /** One of the recovery codes (each works once) */
      recovery_code?: string;
    };
    ok: Record<string, never>;
    errors: "invalid_host" | "validation_failed" | "invalid_json" | "tenant_required" | "invalid_code" | "invalid_token" | "unauthorized" | "step_up_required" | "forbidden" | "cross_site_request" | "conflict" | "payload_too_large" | "unsupported_media_type" | "rate_limited" | "internal_error" | "backend_error" | "backend_unavailable" | "backend_timeout";
  };
  /** The second factor: with mfa_token, the sign-in it held back; with an access token, a step-up (fresh tokens, new auth_time) (`POST /mfa/verify`) */
  mfaVerify: {
    params: never;
    query: never;
    body: {
      /** From a `403 mfa_required` answer; without it, the access token steps up */
      mfa_token?: string;
      /** A code from the authenticator app */
      code?: string;
      /** One of the recovery codes (each works once) */
      recovery_code?: string;
    };
    ok: {
      access_token?: string;
      refresh_token?: string;
      /** After a password login: send it back as `device_token` to sign in while the account is past LOGIN_ACCOUNT_MAX_FAILURES */
      device_token?: string;
      token_type: "Bearer";
      expires_in: number;
    };
    errors: "invalid_host" | "validation_failed" | "invalid_json" | "tenant_required" | "unauthorized" | "invalid_code" | "invalid_token" | "forbidden" | "cross_site_request" | "conflict" | "payload_too_large" | "unsupported_media_type" | "rate_limited" | "internal_error" | "backend_error" | "backend_unavailable" | "backend_timeout";
  };
  /** Creation options for a new passkey, and their challenge token (signed in within REAUTH_WINDOW) (`POST /webauthn/registration/initialize`) */
  passkeyRegistrationStart: {
    params: never;
    query: never;
    body: never;
    ok: {
      options: Record<string, unknown>;
      challenge: string;
    };
    errors: "invalid_host" | "tenant_required" | "unauthorized" | "invalid_token" | "forbidden" | "reauthentication_required" | "step_up_required" | "internal_error" | "backend_error" | "backend_unavailable" | "backend_timeout";
  };
  /** Store the new passkey the browser made (`POST /webauthn/registration/finalize`) */
  passkeyRegistrationFinish: {
    params: never;
    query: never;
    body: {
      challenge: string;
      /** The browser's PublicKeyCredential, as JSON (toJSON()) */
      credential: {
        id: string;
        rawId: string;
        type: "public-key";
        response: {
          clientDataJSON: string;
          [field: string]: unknown;
        };
        [field: string]: unknown;
      };
      name?: string;
    };
    ok: {
      id: string;
      name: string;
      created_at: string;
      last_used_at: string | null;
      transports: Array<string>;
      backed_up: boolean;
    };
    errors: "passkey_refused" | "invalid_host" | "validation_failed" | "invalid_json" | "tenant_required" | "unauthorized" | "invalid_token" | "forbidden" | "reauthentication_required" | "step_up_required" | "conflict" | "payload_too_large" | "unsupported_media_type" | "internal_error" | "backend_error" | "backend_unavailable" | "backend_timeout";
  };
  /** Request options for signing in with any passkey (no address: nothing tells whether one has passkeys) (`POST /webauthn/login/initialize`) */
  passkeyLoginStart: {
    params: never;
    query: never;
    body: never;
    ok: {
      options: Record<string, unknown>;
      challenge: string;
    };
    errors: "invalid_host" | "tenant_required" | "internal_error";
  };
  /** Sign in with the assertion the browser made (`POST /webauthn/login/finalize`) */
  passkeyLoginFinish: {
    params: never;
    query: never;
    body: {
      challenge: string;
      /** The browser's PublicKeyCredential, as JSON (toJSON()) */
      credential: {
        id: string;
        rawId: string;
        type: "public-key";
        response: {
          clientDataJSON: string;
          [field: string]: unknown;
        };
        [field: string]: unknown;
      };
    };
    ok: {
      access_token?: string;
      refresh_token?: string;
      /** After a password login: send it back as `device_token` to sign in while the account is past LOGIN_ACCOUNT_MAX_FAILURES */
      device_token?: string;
      token_type: "Bearer";
      expires_in: number;
    };
    errors: "invalid_host" | "validation_failed" | "invalid_json" | "tenant_required" | "invalid_credentials" | "invalid_token" | "mfa_required" | "mfa_enrollment_required" | "cross_site_request" | "payload_too_large" | "unsupported_media_type" | "internal_error" | "backend_error" | "hook_failed" | "backend_unavailable" | "backend_timeout" | "hook_timeout";
  };
  /** The caller's passkeys (`GET /webauthn/credentials`) */
  passkeys: {
    params: never;
    query: never;
    body: never;
    ok: {
      credentials: Array<{
        id: string;
        name: string;
        created_at: string;
        last_used_at: string | null;
        transports: Array<string>;
        backed_up: boolean;
      }>;
    };
    errors: "invalid_host" | "tenant_required" | "unauthorized" | "invalid_token" | "internal_error" | "backend_error" | "backend_unavailable" | "backend_timeout";
  };
  /** Rename a passkey (`PATCH /webauthn/credentials/{id}`) */
  renamePasskey: {
    params: {
      id: string;
    };
    query: never;
    body: {
      name: string;
    };
    ok: {
      id: string;
      name: string;
      created_at: string;
      last_used_at: string | null;
      transports: Array<string>;
      backed_up: boolean;
    };
    errors: "invalid_host" | "validation_failed" | "invalid_json" | "tenant_required" | "unauthorized" | "invalid_token" | "forbidden" | "cross_site_request" | "not_found" | "conflict" | "payload_too_large" | "unsupported_media_type" | "internal_error" | "backend_error" | "backend_unavailable" | "backend_timeout";
  };
  /** Remove a passkey (signed in within REAUTH_WINDOW; the address is told) (`DELETE /webauthn/credentials/{id}`) */
  removePasskey: {
    params: {
      id: string;
    };
    query: never;
    body: never;
    ok: Record<string, never>;
    errors: "invalid_host" | "tenant_required" | "unauthorized" | "invalid_token" | "forbidden" | "reauthentication_required" | "step_up_required" | "cross_site_request" | "not_found" | "internal_error" | "mail_failed" | "backend_error" | "mail_unavailable" | "backend_unavailable" | "mail_timeout" | "backend_timeout";
  };
  /** Exchange a refresh token (body, or the refresh cookie) for new tokens (`POST /refresh`) */
  refresh: {
    params: never;
    query: never;
    body: {
      refresh_token?: string;
    };
    ok: {
      access_token?: string;
      refresh_token?: string;
      /** After a password login: send it back as `device_token` to sign in while the account is past LOGIN_ACCOUNT_MAX_FAILURES */
      device_token?: string;
      token_type: "Bearer";
      expires_in: number;
    };
    errors: "invalid_host" | "validation_failed" | "invalid_json" | "tenant_required" | "invalid_token" | "cross_site_request" | "payload_too_large" | "unsupported_media_type" | "internal_error" | "backend_error" | "hook_failed" | "backend_unavailable" | "backend_timeout" | "hook_timeout";
  };
  /** The signed-in user (bearer token, or the access cookie in cookie mode) (`GET /user`) */
  user: {
    params: never;
    query: never;
    body: never;
    ok: {
      user: {
        id: number | string;
        email: string;
        role: string;
        tenant_id: string | null;
        verified_at: string | null;
        hook_data?: Record<string, unknown>;
      };
    };
    errors: "invalid_host" | "tenant_required" | "unauthorized" | "invalid_token" | "cross_site_request" | "internal_error" | "backend_error" | "hook_failed" | "backend_unavailable" | "backend_timeout" | "hook_timeout";
  };
  /** Clear the token cookies; with a refresh token (body or cookie), revoke every refresh token of its user (`POST /logout`) */
  logout: {
    params: never;
    query: never;
    body: {
      refresh_token?: string;
    };
    ok: {
      refresh_tokens_revoked: boolean;
    };
    errors: "invalid_host" | "validation_failed" | "invalid_json" | "tenant_required" | "invalid_token" | "cross_site_request" | "payload_too_large" | "unsupported_media_type" | "internal_error" | "backend_error" | "backend_unavailable" | "backend_timeout";
  };
  /** Change the password: every other session and mailed link ends; the caller's session goes on with new tokens (`POST /change-password`) */
  changePassword: {
    params: never;
    query: never;
    body: {
      "cf-turnstile-response"?: string;
      old_password: string;
      new_password: string;
      device_token?: string;
    };
    ok: {
      access_token?: string;
      refresh_token?: string;
      /** After a password login: send it back as `device_token` to sign in while the account is past LOGIN_ACCOUNT_MAX_FAILURES */
      device_token?: string;
      token_type: "Bearer";
      expires_in: number;
    };
    errors: "weak_password" | "invalid_redirect_url" | "invalid_host" | "validation_failed" | "invalid_json" | "tenant_required" | "captcha_required" | "captcha_failed" | "invalid_credentials" | "unauthorized" | "invalid_token" | "forbidden" | "step_up_required" | "cross_site_request" | "conflict" | "payload_too_large" | "unsupported_media_type" | "rate_limited" | "internal_error" | "mail_failed" | "backend_error" | "hook_failed" | "overloaded" | "rate_limit_unavailable" | "mail_unavailable" | "backend_unavailable" | "captcha_unavailable" | "mail_timeout" | "backend_timeout" | "hook_timeout";
  };
  /** Mail a link that moves the account to a new address (`POST /change-email`) */
  changeEmail: {
    params: never;
    query: never;
    body: {
      "cf-turnstile-response"?: string;
      email: string;
      password?: string;
      device_token?: string;
      redirect_url?: string;
    };
    ok: Record<string, never>;
    errors: "invalid_redirect_url" | "invalid_host" | "validation_failed" | "invalid_json" | "tenant_required" | "captcha_required" | "captcha_failed" | "invalid_credentials" | "unauthorized" | "invalid_token" | "forbidden" | "reauthentication_required" | "step_up_required" | "cross_site_request" | "payload_too_large" | "unsupported_media_type" | "rate_limited" | "internal_error" | "mail_failed" | "backend_error" | "overloaded" | "rate_limit_unavailable" | "mail_unavailable" | "backend_unavailable" | "captcha_unavailable" | "mail_timeout" | "backend_timeout";
  };
  /** Invite a user (ADMIN_ROLE only) (`POST /invite`) */
  invite: {
    params: never;
    query: never;
    body: {
      "cf-turnstile-response"?: string;
      email: string;
      role?: string;
      redirect_url?: string;
    };
    ok: Record<string, never>;
    errors: "invalid_redirect_url" | "invalid_host" | "validation_failed" | "invalid_json" | "tenant_required" | "captcha_required" | "captcha_failed" | "unauthorized" | "invalid_token" | "forbidden" | "step_up_required" | "cross_site_request" | "conflict" | "payload_too_large" | "unsupported_media_type" | "rate_limited" | "internal_error" | "mail_failed" | "backend_error" | "rate_limit_unavailable" | "mail_unavailable" | "backend_unavailable" | "captcha_unavailable" | "mail_timeout" | "backend_timeout";
  };
  /** Mail a password reset link (or a notice to an unknown address) (`POST /reset-password`) */
  resetPassword: {
    params: never;
    query: never;
    body: {
      "cf-turnstile-response"?: string;
      email: string;
      redirect_url?: string;
    };
    ok: Record<string, never>;
    errors: "invalid_redirect_url" | "invalid_host" | "validation_failed" | "invalid_json" | "tenant_required" | "captcha_required" | "captcha_failed" | "payload_too_large" | "unsupported_media_type" | "rate_limited" | "internal_error" | "mail_failed" | "backend_error" | "rate_limit_unavailable" | "mail_unavailable" | "backend_unavailable" | "captcha_unavailable" | "mail_timeout" | "backend_timeout";
  };
  /** Start an OAuth sign-in (google, github) (`GET /oauth/{provider}`) */
  oauthStart: {
    params: {
      provider: "google" | "github";
    };
    query: {
      /** Where the app gets the tokens (in the fragment): an allowed redirect URL; default EXTERNAL_URL */
      redirect_url?: string;
      /** The tenant, when no header can be sent (multi-tenancy) */
      tenant?: string;
    };
    body: never;
    ok: never;
    errors: "invalid_redirect_url" | "invalid_host" | "tenant_required" | "not_found" | "internal_error";
  };
}

/** How each operation is sent. */
export interface OperationInfo {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  readonly path: string;
  readonly body: 'required' | 'optional' | false;
  /** An access token is required, accepted (or another bearer token: an enrolment token), or not read. */
  readonly bearer: 'required' | 'optional' | 'none';
  /** Reads the tenant header. */
  readonly tenant: boolean;
  /** Where the answer carries issued tokens. */
  readonly tokens: 'answer' | 'tokens' | undefined;
  /** A browser navigation (a redirect), not a call. */
  readonly redirect: boolean;
}

export const OPERATIONS = {
  health: { method: 'GET', path: '/healthz', body: false, bearer: 'none', tenant: false, tokens: undefined, redirect: false },
  ready: { method: 'GET', path: '/readyz', body: false, bearer: 'none', tenant: false, tokens: undefined, redirect: false },
  jwks: { method: 'GET', path: '/.well-known/jwks.json', body: false, bearer: 'none', tenant: false, tokens: undefined, redirect: false },
  signup: { method: 'POST', path: '/signup', body: 'required', bearer: 'none', tenant: true, tokens: undefined, redirect: false },
  verifyEmail: { method: 'POST', path: '/verify-email', body: 'required', bearer: 'none', tenant: true, tokens: 'tokens', redirect: false },
  token: { method: 'POST', path: '/token', body: 'required', bearer: 'none', tenant: true, tokens: 'answer', redirect: false },
  passwordlessStart: { method: 'POST', path: '/passwordless/start', body: 'required', bearer: 'none', tenant: true, tokens: undefined, redirect: false },
  passwordlessVerify: { method: 'POST', path: '/passwordless/verify', body: 'optional', bearer: 'none', tenant: true, tokens: 'answer', redirect: false },
  mfaEnroll: { method: 'POST', path: '/mfa/totp/enroll', body: false, bearer: 'optional', tenant: true, tokens: undefined, redirect: false },
  mfaConfirm: { method: 'POST', path: '/mfa/totp/confirm', body: 'required', bearer: 'optional', tenant: true, tokens: 'tokens', redirect: false },
  mfaRecoveryCodes: { method: 'POST', path: '/mfa/recovery-codes', body: false, bearer: 'required', tenant: true, tokens: undefined, redirect: false },
  mfaDisable: { method: 'POST', path: '/mfa/totp/disable', body: 'optional', bearer: 'required', tenant: true, tokens: undefined, redirect: false },
  mfaVerify: { method: 'POST', path: '/mfa/verify', body: 'optional', bearer: 'optional', tenant: true, tokens: 'answer', redirect: false },
  passkeyRegistrationStart: { method: 'POST', path: '/webauthn/registration/initialize', body: false, bearer: 'required', tenant: true, tokens: undefined, redirect: false },
  passkeyRegistrationFinish: { method: 'POST', path: '/webauthn/registration/finalize', body: 'required', bearer: 'required', tenant: true, tokens: undefined, redirect: false },
  passkeyLoginStart: { method: 'POST', path: '/webauthn/login/initialize', body: false, bearer: 'none', tenant: true, tokens: undefined, redirect: false },
  passkeyLoginFinish: { method: 'POST', path: '/webauthn/login/finalize', body: 'required', bearer: 'none', tenant: true, tokens: 'answer', redirect: false },
  passkeys: { method: 'GET', path: '/webauthn/credentials', body: false, bearer: 'required', tenant: true, tokens: undefined, redirect: false },
  renamePasskey: { method: 'PATCH', path: '/webauthn/credentials/{id}', body: 'required', bearer: 'required', tenant: true, tokens: undefined, redirect: false },
  removePasskey: { method: 'DELETE', path: '/webauthn/credentials/{id}', body: false, bearer: 'required', tenant: true, tokens: undefined, redirect: false },
  refresh: { method: 'POST', path: '/refresh', body: 'optional', bearer: 'none', tenant: true, tokens: 'answer', redirect: false },
  user: { method: 'GET', path: '/user', body: false, bearer: 'required', tenant: true, tokens: undefined, redirect: false },
  logout: { method: 'POST', path: '/logout', body: 'optional', bearer: 'none', tenant: true, tokens: undefined, redirect: false },
  changePassword: { method: 'POST', path: '/change-password', body: 'required', bearer: 'required', tenant: true, tokens: 'answer', redirect: false },
  changeEmail: { method: 'POST', path: '/change-email', body: 'required', bearer: 'required', tenant: true, tokens: undefined, redirect: false },
  invite: { method: 'POST', path: '/invite', body: 'required', bearer: 'required', tenant: true, tokens: undefined, redirect: false },
  resetPassword: { method: 'POST', path: '/reset-password', body: 'required', bearer: 'none', tenant: true, tokens: undefined, redirect: false },
  oauthStart: { method: 'GET', path: '/oauth/{provider}', body: false, bearer: 'none', tenant: true, tokens: undefined, redirect: true },
} as const satisfies Record<keyof Operations, OperationInfo>;

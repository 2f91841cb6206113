import type { BackendSettings } from '../backends/create-backend.js';
import type { CaptchaSettings } from '../captcha/turnstile.js';
import type { LogLevel } from '../core/logger.js';
import type { ExtensionSettings } from '../extensions/create-extensions.js';
import type { HookSettings } from '../hooks/hook-client.js';
import type { MailSettings } from '../mail/mailer.js';
import type { AuditSettings } from '../observability/audit.js';
import type { OAuthSettings } from '../oauth/create-providers.js';
import type { FirebaseScryptParams } from '../passwords/formats.js';
import type { LimitsSettings } from '../rate-limit/limits.js';
import type { TokenSettings } from '../tokens/settings.js';

/** The whole configuration, parsed once at start and frozen. Nothing reads `process.env` after this. */
export interface Config {
  readonly production: boolean;
  /** What the start should warn about (logged once by the process that starts). */
  readonly warnings: readonly string[];
  readonly logLevel: LogLevel;
  readonly audit: AuditSettings;
  /** Bearer token /metrics requires, when set. */
  readonly metricsToken: string | undefined;
  /** False in production without METRICS_TOKEN: /metrics is then not served at all. */
  readonly metricsServed: boolean;
  readonly server: ServerSettings;
  readonly passwords: {
    /** Hashing threads per process. */
    readonly threads: number;
    /** Jobs that may wait for a thread before requests get a 503. */
    readonly queueLimit: number;
    readonly cost: number;
    /** FIREBASE_SCRYPT_*: to check Firebase scrypt hashes (`$firebase-scrypt$…`). */
    readonly firebase: FirebaseScryptParams | undefined;
  };
  /** ADMIN_ROLE, DEFAULT_ROLE, and ROLE_COLUMN_LIST: the role column holds a list of roles. */
  readonly roles: { readonly admin: string; readonly default: string; readonly listColumn: boolean };
  readonly signupDisabled: boolean;
  readonly impersonationEnabled: boolean;
  readonly passwordless: PasswordlessSettings;
  readonly mfa: MfaSettings;
  readonly passkeys: PasskeySettings;
  /** The admin API's listener and keys (ADMIN_PORT); undefined: off. */
  readonly admin: AdminSettings | undefined;
  /** REAUTH_WINDOW, seconds: how recent a sign-in lets `/change-email` go without the password. */
  readonly reauthWindow: number;
  readonly delivery: DeliverySettings;
  readonly urls: UrlSettings;
  readonly tenancy: TenancySettings;
  readonly jwt: TokenSettings & {
    readonly extensions: readonly ExtensionSettings[];
    /** True when some secret was generated for development rather than configured. */
    readonly generatedSecrets: boolean;
    /** JWT_CLAIMS_NAMESPACE: the access token's key for the operator's claims (JWT_CLAIMS_QUERY, HTTP_CLAIMS_URL). */
    readonly claimsNamespace: string;
  };
  readonly backend: BackendSettings & { readonly initialUser: InitialUser | undefined };
  readonly mail: MailSettings;
  readonly limits: LimitsSettings;
  /** TRUSTED_PROXIES, as given (IPs, CIDRs, `loopback`, `private`). */
  readonly trustedProxies: readonly string[];
  /** TRUSTED_PROXY_HOPS: the client is this many X-Forwarded-For entries from the right (0: walk by trust). */
  readonly trustedProxyHops: number;
  readonly cors: CorsSettings;
  readonly oauth: OAuthSettings;
  readonly captcha: CaptchaSettings;
  readonly hooks: HookSettings;
}

/** PASSWORDLESS_*: sign-in with a mailed code or link (off by default). */
interface PasswordlessSettings {
  readonly enabled: boolean;
  /** Digits of a mailed code. */
  readonly codeLength: number;
  /** Seconds a code and its link stay valid. */
  readonly ttl: number;
  /** Wrong codes one challenge takes before it is dead. */
  readonly maxAttempts: number;
  /** Wrong codes one address takes within 24 hours before codes are refused (its links still work); 0: no ceiling. */
  readonly maxFailures: number;
}

interface AdminSettings {
  readonly port: number;
  readonly host: string;
  /** ADMIN_API_KEYS: each key's id (for the audit trail) and secret. */
  readonly keys: readonly { readonly id: string; readonly secret: string }[];
}

/** PASSKEYS_ENABLED, WEBAUTHN_*: passkeys (off by default). */
interface PasskeySettings {
  readonly enabled: boolean;
  /** The relying party id: a domain every origin is on (WEBAUTHN_RP_ID; EXTERNAL_URL's host by default). */
  readonly rpId: string;
  readonly rpName: string;
  /** The origins where ceremonies run (WEBAUTHN_ORIGINS; in development EXTERNAL_URL's origin). */
  readonly origins: readonly string[];
}

/** MFA_*: second factors (off by default). */
interface MfaSettings {
  readonly enabled: boolean;
  /** MFA_ENCRYPTION_KEY (base64, 32 bytes; empty when MFA is off) and the retired keys that still open. */
  readonly encryptionKey: string;
  readonly previousKeys: readonly string[];
  /** Roles that must have a second factor: signing in without one gives an enrolment token only. */
  readonly requiredRoles: readonly string[];
  /** The name authenticator apps show (MFA_TOTP_ISSUER). */
  readonly issuer: string;
  /** Wrong codes one mfa token (or one access token's step-up) takes. */
  readonly maxAttempts: number;
  /** Wrong codes one user takes a day before codes are refused (0: no ceiling). */
  readonly maxFailures: number;
}

interface ServerSettings {
  readonly host: string;
  readonly port: number;
  /** Processes (node:cluster) sharing the port. */
  readonly workers: number;
  /** Node's limits on a connection: all headers within, the whole request within. */
  readonly headersTimeoutMs: number;
  readonly requestTimeoutMs: number;
  /** Open connections per process; past it new ones are closed at once. */
  readonly maxConnections: number;
  /** STARTUP_TIMEOUT: how long the start waits for a backend that does not answer yet. */
  readonly startupTimeoutMs: number;
}

/** Where issued tokens go (TOKEN_DELIVERY): the JSON body, cookies, the X-Auth-Token header. */
export interface DeliverySettings {
  readonly json: boolean;
  readonly cookie: boolean;
  readonly header: boolean;
  readonly cookieDomain: string | undefined;
  readonly sameSite: 'Lax' | 'Strict' | 'None';
  readonly secure: boolean;
}

interface UrlSettings {
  /** Where mailed links point unless the request names an allowed `redirect_url`. */
  readonly verifyRedirect: string;
  readonly external: string;
  /** Origins a `redirect_url` may point to (the default redirect's origin is always in). */
  readonly allowedRedirectOrigins: readonly string[];
}

export interface TenancySettings {
  readonly enabled: boolean;
  readonly tenantHeader: string;
  readonly hostHeader: string;
  /** Hosts the gateway answers for (ALLOWED_HOSTS, lower case; empty: any); with tenancy, tenants too. */
  readonly allowedHosts: readonly string[];
}

interface CorsSettings {
  /** Full origins (`https://app.example.com`) allowed to call with credentials. */
  readonly origins: readonly string[];
  /** `*` in ALLOWED_ORIGINS (development only): any origin, never with credentials. */
  readonly any: boolean;
}

export interface InitialUser {
  readonly email: string;
  readonly password: string;
  readonly tenantId: string | null;
}

export interface ConfigProblem {
  readonly variable: string;
  readonly message: string;
}

/** Thrown with every problem found, so an operator fixes them in one go. */
export class ConfigError extends Error {
  readonly problems: readonly ConfigProblem[];
  constructor(problems: readonly ConfigProblem[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p.variable}: ${p.message}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** What a section parser reports into: problems (the start is refused) and warnings. */
export interface Report {
  readonly production: boolean;
  problem(variable: string, message: string): void;
  warn(message: string): void;
}

import type { Audit } from './audit.js';
import type { Clock } from './clock.js';
import type { Metrics } from './metrics.js';
import type { UserBackend } from './backends/types.js';
import type { JwtExtension } from './extensions/types.js';
import type { HookClient } from './hooks/hook-client.js';
import type { Limits } from './rate-limit/limits.js';
import type { Captcha } from './captcha/turnstile.js';
import type { OAuthProvider } from './oauth/provider.js';
import type { Config } from './config/load-config.js';
import type { Logger } from './logger.js';
import type { Mailer } from './mail/mailer.js';
import type { PasswordHasher } from './passwords/hasher.js';
import type { TokenService } from './tokens/token-service.js';

/** Everything the app needs, built once at start (or by a test) and passed to `createApp`. */
export interface Deps {
  readonly config: Config;
  readonly clock: Clock;
  readonly backend: UserBackend;
  readonly tokens: TokenService;
  readonly mailer: Mailer;
  readonly hasher: PasswordHasher;
  readonly logger: Logger;
  readonly audit: Audit;
  readonly metrics: Metrics;
  readonly hooks: HookClient;
  readonly extensions: readonly JwtExtension[];
  readonly limits: Limits;
  readonly captcha: Captcha;
  /** OAUTH_PROVIDERS, by name (empty when none). */
  readonly oauthProviders: ReadonlyMap<string, OAuthProvider>;
}

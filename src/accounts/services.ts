import type { UserBackend } from '../backends/types.js';
import type { Config } from '../config/types.js';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { JwtExtension } from '../extensions/types.js';
import type { HookClient } from '../hooks/hook-client.js';
import type { Mailer } from '../mail/mailer.js';
import type { Audit } from '../observability/audit.js';
import type { Metrics } from '../observability/metrics.js';
import type { PasswordHasher } from '../passwords/hasher.js';
import type { SpentLinks } from '../links/types.js';
import type { Mfa } from '../mfa/types.js';
import type { Passkeys } from '../passkeys/types.js';
import type { Limits } from '../rate-limit/limits.js';
import type { Tokens } from '../tokens/tokens.js';

/**
 * Everything an account operation may use. Each operation takes only the part it uses
 * (`Pick<AccountServices, …>`), so its signature says what it touches.
 */
export interface AccountServices {
  readonly config: Pick<Config, 'roles' | 'signupDisabled' | 'impersonationEnabled' | 'passwordless' | 'reauthWindow' | 'urls' | 'jwt' | 'limits'>;
  /** Where used mailed links are remembered (every link works once). */
  readonly spentLinks: SpentLinks;
  readonly backend: UserBackend;
  readonly tokens: Tokens;
  readonly hasher: PasswordHasher;
  readonly mailer: Mailer;
  readonly hooks: HookClient;
  readonly extensions: readonly JwtExtension[];
  readonly limits: Limits;
  /** Second factors (MFA_ENABLED), else undefined. */
  readonly mfa: Mfa | undefined;
  /** Passkeys (PASSKEYS_ENABLED), else undefined. */
  readonly passkeys: Passkeys | undefined;
  readonly audit: Audit;
  readonly metrics: Metrics;
  readonly clock: Clock;
  readonly logger: Logger;
}

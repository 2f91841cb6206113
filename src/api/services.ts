import type { AccountServices } from '../accounts/services.js';
import type { Captcha } from '../captcha/turnstile.js';
import type { Config } from '../config/types.js';
import type { OAuthProvider } from '../oauth/provider.js';

/** Everything the routes use: the account services, the whole config, captcha and OAuth providers. */
export interface AppServices extends Omit<AccountServices, 'config'> {
  readonly config: Config;
  readonly captcha: Captcha;
  /** OAUTH_PROVIDERS, by name (empty when none). */
  readonly oauthProviders: ReadonlyMap<string, OAuthProvider>;
}

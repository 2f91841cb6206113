import type { MfaStore } from '../backends/types.js';
import type { Config } from '../config/types.js';
import type { MfaKeys } from './keys.js';

/** Second factors, when MFA_ENABLED: the backend's store, the keys, the settings. */
export interface Mfa {
  readonly store: MfaStore;
  readonly keys: MfaKeys;
  readonly settings: Config['mfa'];
}

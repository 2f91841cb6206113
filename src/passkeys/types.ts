import type { PasskeyStore } from '../backends/types.js';
import type { Config } from '../config/types.js';

/** Passkeys, when PASSKEYS_ENABLED: the backend's store and the relying party. */
export interface Passkeys {
  readonly store: PasskeyStore;
  readonly settings: Config['passkeys'];
}

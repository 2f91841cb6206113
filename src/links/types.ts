/**
 * Where used mailed links are remembered, by their `jti`, until they expire: what makes every
 * mailed link single-use — also after the account it created moved or was deleted, and when it is
 * used twice at once.
 */
export interface SpentLinks {
  /** Which store: `backend`, `redis` or `memory` (one process only). */
  readonly kind: 'backend' | 'redis' | 'memory';
  /** Records `jti` as used until `expiresAt` (seconds); false when it already was. Atomic. */
  spend(jti: string, expiresAt: number): Promise<boolean>;
  /** Forgets a spend whose action did not take place (a dependency failed): the link works again. */
  unspend(jti: string): Promise<void>;
  close(): Promise<void>;
}

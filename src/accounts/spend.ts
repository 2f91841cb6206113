import { AppError } from '../core/errors.js';
import { usedLink } from '../links/spent-links.js';
import type { LinkClaims } from '../tokens/link-token.js';
import type { AccountServices } from './services.js';

/**
 * Runs a mailed link's action once: the link is spent first (a second use, at once or later, is
 * refused), and given back when the action did not take place for a reason other than the link
 * itself (a dependency failed, a hook refused): then it can be followed again.
 */
export async function spending<T>({ spentLinks }: Pick<AccountServices, 'spentLinks'>, claims: LinkClaims, work: () => Promise<T>): Promise<T> {
  const jti = claims.jti as string;
  if (!(await spentLinks.spend(jti, claims.exp as number))) throw usedLink();
  try {
    return await work();
  } catch (error) {
    const linkRefused = error instanceof AppError && error.code === 'invalid_token';
    if (!linkRefused) await spentLinks.unspend(jti).catch(() => undefined);
    throw error;
  }
}

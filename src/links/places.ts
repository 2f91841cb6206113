import type { SpentLinks } from './types.js';

/**
 * One of `count` places (`prefix:1` … `prefix:count`) in the spend-once store, or `undefined` when
 * every one is taken: a count of tries that is shared, atomic and kept as long as the store keeps
 * links, with no capability beyond spend-once. Costs one store call per place taken before it.
 * Taken before the thing tried is checked, so tries sent at once cannot slip past the count.
 */
export async function takePlace(store: SpentLinks, prefix: string, count: number, expiresAt: number): Promise<string | undefined> {
  for (let place = 1; place <= count; place += 1) {
    const key = `${prefix}:${place}`;
    if (await store.spend(key, expiresAt)) return key;
  }
  return undefined;
}

/** Gives a place back (a right answer is no failure); a store that fails keeps it until it expires. */
export async function givePlaceBack(store: SpentLinks, place: string | undefined): Promise<void> {
  if (place !== undefined) await store.unspend(place).catch(() => undefined);
}

/** The day (UTC) `nowSeconds` falls in, as the second it ends: the window of a daily count. */
export function dayEnd(nowSeconds: number): number {
  return (Math.floor(nowSeconds / 86_400) + 1) * 86_400;
}

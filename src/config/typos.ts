/** Prefixes of other software's variables that merely share a word with ours. */
const FOREIGN_PREFIXES = new Set(['NODE', 'NPM']);

/**
 * Variables that look like a misspelling of one of `known` (JWT_SECERT, MAIL_PORTT): a name
 * that starts with one of our prefixes (the part before the first `_` of a known name), is not
 * known itself, and is within two edits (a swap of neighbours counting as one) of a known name.
 * Never PATH, HOME or the like: they share no prefix of ours.
 */
export function misspelledVariables(names: Iterable<string>, known: readonly string[]): { name: string; meant: string }[] {
  const knownSet = new Set(known);
  const prefixes = new Set(known.filter((k) => k.includes('_')).map((k) => k.slice(0, k.indexOf('_'))).filter((p) => !FOREIGN_PREFIXES.has(p)));
  const found: { name: string; meant: string }[] = [];
  for (const name of names) {
    if (knownSet.has(name) || !name.includes('_') || !prefixes.has(name.slice(0, name.indexOf('_')))) continue;
    let best: { meant: string; distance: number } | undefined;
    for (const candidate of known) {
      const distance = editDistance(name, candidate);
      if (distance <= 2 && (best === undefined || distance < best.distance)) best = { meant: candidate, distance };
    }
    if (best) found.push({ name, meant: best.meant });
  }
  return found;
}

/** Optimal string alignment distance: insertions, deletions, substitutions, adjacent swaps. */
function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const row = d[i] as number[];
      const up = d[i - 1] as number[];
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min((up[j] as number) + 1, (row[j - 1] as number) + 1, (up[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) row[j] = Math.min(row[j] as number, ((d[i - 2] as number[])[j - 2] as number) + 1);
    }
  }
  return (d[a.length] as number[])[b.length] as number;
}

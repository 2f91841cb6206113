import { BackendError } from '../types.js';

/** One claim's path in the user's relationships: `profile.plan`, `memberships[].org_id` (`[]`: every element of a list). */
interface ClaimPath {
  readonly claim: string;
  readonly steps: readonly { readonly field: string; readonly list: boolean }[];
}

const FIELD = /^[_A-Za-z][_0-9A-Za-z]*$/;

/**
 * JWT_CLAIMS_MAP (`{"claim": "path", …}`, nhost's design) as paths; throws with the first bad
 * entry. A path is fields of the users table's Hasura type and its relationships, dot-separated;
 * `[]` after a field walks every element of an array relationship.
 */
export function parseClaimsMap(text: string): ClaimPath[] {
  let map: unknown;
  try {
    map = JSON.parse(text);
  } catch {
    throw new Error('must be a JSON object of claim names to paths, e.g. {"x-hasura-org-id": "memberships[].org_id"}');
  }
  if (map === null || typeof map !== 'object' || Array.isArray(map)) throw new Error('must be a JSON object of claim names to paths');
  return Object.entries(map).map(([claim, path]) => {
    if (typeof path !== 'string' || path === '') throw new Error(`the path of "${claim}" must be a string such as profile.plan`);
    const steps = path.split('.').map((part) => {
      const list = part.endsWith('[]');
      const field = list ? part.slice(0, -2) : part;
      if (!FIELD.test(field)) throw new Error(`"${part}" in the path of "${claim}" is not a GraphQL field name`);
      return { field, list };
    });
    return { claim, steps };
  });
}

/** The selection set that fetches every path at once (shared prefixes merged). */
export function claimsSelection(paths: readonly ClaimPath[]): string {
  interface Node {
    children: Map<string, Node>;
  }
  const root: Node = { children: new Map() };
  for (const { steps } of paths) {
    let node = root;
    for (const { field } of steps) {
      let next = node.children.get(field);
      if (!next) {
        next = { children: new Map() };
        node.children.set(field, next);
      }
      node = next;
    }
  }
  const render = (node: Node): string => [...node.children].map(([field, child]) => (child.children.size === 0 ? field : `${field} { ${render(child)} }`)).join(' ');
  return render(root);
}

/** The claims a user row (with its relationships) holds: each path walked, lists flattened; missing values left out. */
export function claimsOf(row: Record<string, unknown>, paths: readonly ClaimPath[]): Record<string, unknown> | null {
  const claims: Record<string, unknown> = {};
  for (const { claim, steps } of paths) {
    let values: unknown[] = [row];
    let listed = false;
    for (const { field, list } of steps) {
      const next: unknown[] = [];
      for (const value of values) {
        if (value === null || typeof value !== 'object') continue;
        const child = (value as Record<string, unknown>)[field];
        if (list) {
          if (!Array.isArray(child)) throw new BackendError('bad_response', `JWT_CLAIMS_MAP: ${field} is not a list in Hasura's answer (drop its []?)`);
          next.push(...child);
        } else next.push(child);
      }
      values = next;
      listed ||= list;
    }
    const present = values.filter((v) => v !== null && v !== undefined);
    if (listed) claims[claim] = present;
    else if (present.length > 0) claims[claim] = present[0];
  }
  return Object.keys(claims).length > 0 ? claims : null;
}

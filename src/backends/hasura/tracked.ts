import { BackendError } from '../types.js';

type Request = (operation: string, document: string, variables: Record<string, unknown>) => Promise<Record<string, unknown>>;

/**
 * Whether a table of the gateway's own is tracked in Hasura (its `probe` query, `limit: 0`): asked
 * once and remembered, asked again after a failure to ask. Hasura validates every query against
 * its schema, so an untracked table is a refusal there — not an error.
 */
export function trackedTable(request: Request, probe: string): () => Promise<boolean> {
  let tracked: Promise<boolean> | undefined;
  return () =>
    (tracked ??= request('describe', probe, {}).then(
      () => true,
      (error: unknown) => {
        if (error instanceof BackendError && error.code === 'refused') return false;
        tracked = undefined;
        throw error;
      },
    ));
}

import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { randomBytes } from 'node:crypto';
import { BackendError, type NewUser, type StoredUser, unchanged, type UserBackend, type UserPatch } from '../backends/types.js';
import type { HookClient } from '../hooks/hook-client.js';
import { type FirebaseScryptParams, NO_PASSWORD_PREFIX, readStoredHash } from '../passwords/formats.js';
import { type ImportedUser, importedUser } from './import-format.js';

/** A JSON array is read whole: larger files must be JSON Lines (one user per line, streamed). */
const MAX_JSON_ARRAY_BYTES = 64 * 1024 * 1024;
/** Writes in flight at once. */
const CONCURRENCY = 16;

type Outcome = 'created' | 'updated' | 'skipped' | 'refused';

/** A row's line in the report (created rows are counted, not listed). */
interface ReportLine {
  readonly row: number;
  readonly outcome: Outcome;
  readonly email?: string;
  readonly reason: string;
}

interface ImportOptions {
  readonly backend: UserBackend;
  /** `--with-hooks`: `create_or_update_user` as for a signup; else none. */
  readonly hooks: HookClient | undefined;
  readonly firebase: FirebaseScryptParams | undefined;
  readonly defaultRole: string;
  readonly dryRun: boolean;
  readonly onConflict: 'skip' | 'update';
  readonly now: () => Date;
  /** Each line of the report as it happens (JSON). */
  readonly report: (line: ReportLine) => void;
}

/** The rows of a file: JSON Lines streamed, or a JSON array (up to {@link MAX_JSON_ARRAY_BYTES}). */
export async function* readRows(path: string): AsyncGenerator<{ row: number; value: unknown } | { row: number; error: string }> {
  const head = await new Promise<string>((resolve, reject) => {
    const stream = createReadStream(path, { encoding: 'utf8', start: 0, end: 4095 });
    let text = '';
    stream.on('data', (chunk) => (text += chunk));
    stream.on('end', () => resolve(text));
    stream.on('error', reject);
  });
  if (head.trimStart().startsWith('[')) {
    const { size } = await stat(path);
    if (size > MAX_JSON_ARRAY_BYTES) throw new Error(`${path} is a JSON array of ${size} bytes: above ${MAX_JSON_ARRAY_BYTES} bytes, write it as JSON Lines (one user per line)`);
    const { readFile } = await import('node:fs/promises');
    let rows: unknown;
    try {
      rows = JSON.parse(await readFile(path, 'utf8'));
    } catch (error) {
      throw new Error(`${path} is not valid JSON: ${(error as Error).message}`);
    }
    if (!Array.isArray(rows)) throw new Error(`${path} is not a JSON array`);
    for (const [index, value] of rows.entries()) yield { row: index + 1, value };
    return;
  }
  let row = 0;
  for await (const line of createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Number.POSITIVE_INFINITY })) {
    row += 1;
    if (line.trim() === '') continue;
    try {
      yield { row, value: JSON.parse(line) };
    } catch (error) {
      yield { row, error: `not valid JSON: ${(error as Error).message}` };
    }
  }
}

/** A valid row as the user to store, or why it cannot be imported. */
function toNewUser(value: unknown, options: Pick<ImportOptions, 'firebase' | 'defaultRole' | 'now'>): { user: NewUser; others: string[] } | { refused: string } {
  const parsed = importedUser.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { refused: `${issue?.path.map(String).join('.') || 'row'}: ${issue?.message}` };
  }
  const record: ImportedUser = parsed.data;
  const primary = record.emails.find((e) => e.is_primary) ?? record.emails[0];
  if (!primary) return { refused: 'emails: at least one email' };
  let password: string;
  if (record.password_hash !== undefined) {
    const known = readStoredHash(record.password_hash, options.firebase);
    if (known === 'not_recognised' || known === 'beyond_limits' || known === 'not_configured') {
      return { refused: `password_hash: ${{ not_recognised: 'not a format the gateway verifies', beyond_limits: 'beyond the work limits', not_configured: 'Firebase scrypt needs FIREBASE_SCRYPT_*' }[known]}` };
    }
    password = record.password_hash;
  } else {
    // No password: a value that says so (a reset sets one); never a guessable one.
    password = `${NO_PASSWORD_PREFIX}${randomBytes(24).toString('base64url')}`;
  }
  const verifiedAt = primary.is_verified ? (record.created_at ? new Date(record.created_at) : options.now()).toISOString() : null;
  return {
    user: { email: primary.address.toLowerCase(), role: record.role ?? options.defaultRole, password, tenant_id: record.tenant_id ?? null, verified_at: verifiedAt },
    others: record.emails.filter((e) => e !== primary).map((e) => e.address),
  };
}

/** What an existing user would change to (only what the row says otherwise). */
function patchFor(existing: StoredUser, user: NewUser, hadHash: boolean): UserPatch {
  const patch: { -readonly [K in keyof UserPatch]: UserPatch[K] } = {};
  if (existing.role !== user.role) patch.role = user.role;
  if ((existing.verified_at === null) !== (user.verified_at === null)) patch.verified_at = user.verified_at;
  if (hadHash && existing.password !== user.password) patch.password = user.password;
  return patch;
}

/**
 * `npm run users -- import`: every row is validated first (nothing is written while the file is
 * read the first time); then each valid row is created, updated (`--on-conflict=update`) or
 * skipped — idempotent: a second run creates nothing. `--dry-run` writes nothing and reports what
 * would happen.
 */
export async function importUsers(rows: () => AsyncIterable<{ row: number; value: unknown } | { row: number; error: string }>, options: ImportOptions) {
  const counts: Record<Outcome, number> = { created: 0, updated: 0, skipped: 0, refused: 0 };
  const tell = (line: ReportLine) => {
    counts[line.outcome] += 1;
    if (line.outcome !== 'created' || line.reason !== '') options.report(line);
  };
  // The first pass: validation only.
  const invalid = new Set<number>();
  for await (const entry of rows()) {
    const checked = 'error' in entry ? { refused: entry.error } : toNewUser(entry.value, options);
    if ('refused' in checked) {
      invalid.add(entry.row);
      tell({ row: entry.row, outcome: 'refused', reason: checked.refused });
    }
  }
  const one = async (row: number, value: unknown) => {
    const checked = toNewUser(value, options);
    if ('refused' in checked) return;
    const { user, others } = checked;
    const note = others.length > 0 ? `only the primary email is imported; not: ${others.join(', ')}` : '';
    const existing = await options.backend.findByEmail(user.email, user.tenant_id);
    if (existing) {
      const patch = patchFor(existing, user, (value as { password_hash?: unknown }).password_hash !== undefined);
      if (options.onConflict === 'skip') return tell({ row, outcome: 'skipped', email: user.email, reason: 'exists' });
      if (Object.keys(patch).length === 0) return tell({ row, outcome: 'skipped', email: user.email, reason: 'exists, unchanged' });
      if (!options.dryRun) {
        if (options.hooks) await options.hooks.call('create_or_update_user', { ...existing, ...patch });
        if (!(await options.backend.update(existing.id, existing.tenant_id, patch, unchanged(existing)))) {
          return tell({ row, outcome: 'refused', email: user.email, reason: 'changed while importing: run again' });
        }
      }
      return tell({ row, outcome: 'updated', email: user.email, reason: `changed: ${Object.keys(patch).join(', ')}` });
    }
    if (!options.dryRun) {
      try {
        if (options.hooks) await options.hooks.call('create_or_update_user', { ...user, id: null });
        await options.backend.create(user);
      } catch (error) {
        if (error instanceof BackendError && error.code === 'conflict') return tell({ row, outcome: 'skipped', email: user.email, reason: 'exists (an earlier row of the file)' });
        throw error;
      }
    }
    tell({ row, outcome: 'created', email: user.email, reason: note });
  };
  // The second pass: a few writes at once, never the whole file in memory.
  const inFlight = new Set<Promise<void>>();
  let stopped: BackendError | undefined;
  const seen = new Set<string>();
  for await (const entry of rows()) {
    if ('error' in entry || invalid.has(entry.row)) continue;
    // Two rows of one address never race: the later waits for what is in flight.
    const key = JSON.stringify([(entry.value as ImportedUser).tenant_id ?? null, ((entry.value as ImportedUser).emails.find((e) => e.is_primary) ?? (entry.value as ImportedUser).emails[0])?.address.toLowerCase()]);
    if (seen.has(key) || inFlight.size >= CONCURRENCY) {
      await Promise.all(inFlight);
      seen.clear();
    }
    seen.add(key);
    if (stopped !== undefined) break;
    const task: Promise<void> = one(entry.row, entry.value).then(
      () => void inFlight.delete(task),
      (error: unknown) => {
        inFlight.delete(task);
        // The store failing is no verdict on the row: the import stops (what is written stays,
        // and a second run goes on from there); a hook's refusal or a row the store rejects is the row's.
        if (error instanceof BackendError && error.code !== 'bad_response') stopped ??= error;
        else tell({ row: entry.row, outcome: 'refused', reason: `failed: ${error instanceof Error ? error.message : String(error)}` });
      },
    );
    inFlight.add(task);
  }
  await Promise.all(inFlight);
  if (stopped !== undefined) throw new Error(`the import stopped, the store failing: ${stopped.message} (run it again: rows already written are skipped)`);
  return counts;
}

import { type ColumnMap, mappedFields } from './columns.js';
import { BackendError } from './types.js';

type Field = ReturnType<typeof mappedFields>[number];

/**
 * The column (or field) types each store may use for each user field, as the store names them
 * (lower case). What the gateway reads and writes must survive the round trip: ids as numbers or
 * strings, text as text, `verified_at` as a timestamp or its ISO text, the session version as an
 * integer. README, Backends, lists the same.
 */
const ACCEPTED_TYPES: Readonly<Record<'sqlite' | 'postgres' | 'hasura', Readonly<Record<Field, readonly string[]>>>> = {
  // SQLite's declared types, by the affinity they give (sqlite.org/datatype3.html); untyped columns take anything.
  sqlite: {
    id: ['integer affinity', 'text affinity', 'untyped'],
    email: ['text affinity', 'untyped'],
    role: ['text affinity', 'untyped'],
    password: ['text affinity', 'untyped'],
    tenant_id: ['text affinity', 'untyped'],
    verified_at: ['text affinity', 'numeric affinity (DATETIME, TIMESTAMP)', 'untyped'],
    session_version: ['integer affinity', 'untyped'],
  },
  postgres: {
    id: ['integer', 'bigint', 'smallint', 'uuid', 'text', 'character varying'],
    email: ['text', 'character varying', 'citext'],
    role: ['text', 'character varying', 'character'],
    password: ['text', 'character varying', 'character'],
    tenant_id: ['text', 'character varying', 'uuid'],
    verified_at: ['timestamp with time zone', 'timestamp without time zone'],
    session_version: ['integer', 'bigint', 'smallint'],
  },
  // GraphQL scalar names as Hasura generates them for Postgres columns.
  hasura: {
    id: ['Int', 'bigint', 'uuid', 'String'],
    email: ['String', 'citext'],
    role: ['String', 'bpchar'],
    password: ['String', 'bpchar'],
    tenant_id: ['String', 'uuid'],
    verified_at: ['timestamptz', 'timestamp'],
    session_version: ['Int', 'bigint', 'smallint'],
  },
};

/** The affinity SQLite gives a declared column type (sqlite.org/datatype3.html, 3.1). */
export function sqliteAffinity(declared: string): string {
  const type = declared.toUpperCase();
  if (type === '') return 'untyped';
  if (type.includes('INT')) return 'integer affinity';
  if (/CHAR|CLOB|TEXT/.test(type)) return 'text affinity';
  if (type.includes('BLOB')) return 'untyped';
  if (/REAL|FLOA|DOUB/.test(type)) return 'real affinity';
  return 'numeric affinity (DATETIME, TIMESTAMP)';
}

/**
 * Checks that every field the configuration maps is a column of the table with a type the store
 * can hold it in. `found` maps each column name to its type as `kind` names it. Throws a
 * permanent {@link BackendError} (`refused`) naming the table, the column, the variable to change
 * and what would do.
 */
export function checkColumns(kind: keyof typeof ACCEPTED_TYPES, table: string, c: ColumnMap, found: ReadonlyMap<string, string>): void {
  const problems: string[] = [];
  for (const field of mappedFields(c)) {
    const column = c[field] as string;
    const type = found.get(column);
    const accepted = ACCEPTED_TYPES[kind][field];
    if (type === undefined) {
      problems.push(`has no ${field} column "${column}" (name it with USERS_COLUMNS=${field}=<column>)`);
    } else if (!accepted.includes(type)) {
      problems.push(`column "${column}" (${field}) is ${type}; expected ${accepted.join(', ')}`);
    }
  }
  if (problems.length > 0) throw new BackendError('refused', `USERS_TABLE ${table} ${problems.join('; ')}`);
}

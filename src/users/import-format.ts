import { z } from 'zod';
import { ROLE_NAME } from '../accounts/users.js';

/**
 * One user of an import file: Hanko's user-import format (`hanko user import`), extended with
 * `password_hash`, `role` and `tenant_id`. Other fields Hanko writes are allowed and ignored. The
 * JSON schema shipped as `schemas/user-import.schema.json` is generated from this one (a test
 * keeps them equal).
 */
export const importedUser = z
  .looseObject({
    user_id: z.string().max(256).optional().meta({ description: 'Ignored: the store gives the id' }),
    emails: z
      .array(
        z.looseObject({
          address: z.email({ error: 'not a valid email address' }).max(254),
          is_primary: z.boolean().optional(),
          is_verified: z.boolean().optional(),
        }),
      )
      .min(1, 'at least one email')
      .max(100),
    created_at: z.iso.datetime({ offset: true, error: 'an RFC 3339 date-time' }).optional(),
    updated_at: z.iso.datetime({ offset: true, error: 'an RFC 3339 date-time' }).optional(),
    password_hash: z.string().min(1).max(1024).optional().meta({ description: 'A stored hash in a format the gateway verifies (README, Migrating users)' }),
    role: z.string().regex(ROLE_NAME, 'a role name: 1 to 64 letters, digits or _ . : -').optional(),
    tenant_id: z.string().min(1).max(256).nullable().optional(),
  })
  .meta({ title: 'Authura user import (Hanko format, extended)' });

export type ImportedUser = z.output<typeof importedUser>;

/** The JSON schema of one user (the file is an array of them, or one per line). */
export function importJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(importedUser, { io: 'input' }) as Record<string, unknown>;
}

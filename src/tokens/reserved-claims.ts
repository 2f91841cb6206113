/** Top-level claims the gateway sets itself; no extension or hook may write them, in any letter case. */
const RESERVED_CLAIMS = new Set([
  'sub', 'exp', 'iat', 'nbf', 'iss', 'aud', 'jti', 'typ', 'email', 'role', 'roles', 'tid', 'tenant', 'tenant_id',
  'verified_at', 'act', 'hook_data', 'amr', 'auth_time',
]);

/** A claim name only the gateway may set (also every `x-hasura-*`). */
export function isReservedClaim(name: string): boolean {
  const lower = name.toLowerCase();
  return RESERVED_CLAIMS.has(lower) || lower.startsWith('x-hasura-');
}

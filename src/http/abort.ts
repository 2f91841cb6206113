/** True when a fetch failed because its AbortSignal (a timeout) fired, not because the peer failed. */
export function isTimeout(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return name === 'TimeoutError' || name === 'AbortError';
}

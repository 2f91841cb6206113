/**
 * `work`, or `timeoutError()` once `ms` have passed, whichever comes first: the last bound on a
 * call that cannot be given an AbortSignal (a driver's pool, arctic's token request, SMTP).
 */
export async function withDeadline<T>(work: Promise<T>, ms: number, timeoutError: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timeoutError()), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

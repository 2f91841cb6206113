/** What the primary does when a gateway process that was serving dies. */
type CrashDecision = { readonly action: 'restart'; readonly delayMs: number } | { readonly action: 'stop'; readonly reason: string };

const WINDOW_MS = 60_000;
const MAX_CRASHES = 5;
const FIRST_DELAY_MS = 1000;
const MAX_DELAY_MS = 30_000;

/**
 * Replaces crashed gateway processes with a backoff — 1 s, doubling to 30 s while they keep
 * crashing (a minute without a crash starts it again) — and gives up when 5 crash within 60 s:
 * something is wrong that restarting will not fix, and an orchestrator should see the process end.
 */
export function restartPolicy(): { crashed(now: number): CrashDecision } {
  let recent: number[] = [];
  let streak = 0;
  let last = Number.NEGATIVE_INFINITY;
  return {
    crashed(now) {
      recent = [...recent.filter((t) => now - t < WINDOW_MS), now];
      if (recent.length >= MAX_CRASHES) return { action: 'stop', reason: `${MAX_CRASHES} gateway processes crashed within ${WINDOW_MS / 1000} s` };
      streak = now - last >= WINDOW_MS ? 1 : streak + 1;
      last = now;
      return { action: 'restart', delayMs: Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** (streak - 1)) };
    },
  };
}

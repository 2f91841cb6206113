/** The time our own timers read (milliseconds since the epoch): injected, so tests move it instead of sleeping. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

import { z } from 'zod';
import { parseDuration } from './duration.js';

// The shapes environment variables come in: each a zod schema from the raw string to its value.

export const bool = (fallback: boolean) =>
  z
    .string()
    .trim()
    .toLowerCase()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return fallback;
      if (['true', '1', 'yes', 'on'].includes(v)) return true;
      if (['false', '0', 'no', 'off'].includes(v)) return false;
      ctx.addIssue({ code: 'custom', message: `expected true or false, got "${v}"` });
      return z.NEVER;
    });

export const text = (fallback: string) =>
  z
    .string()
    .trim()
    .optional()
    .transform((v) => (v === undefined || v === '' ? fallback : v));

export const optionalText = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v === undefined || v === '' ? undefined : v));

/** Secrets keep their exact bytes: no trimming. */
export const optionalSecret = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v === '' ? undefined : v));

export const list = z
  .string()
  .optional()
  .transform((v) =>
    (v ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== ''),
  );

export const int = (fallback: number, min: number, max: number) =>
  z
    .string()
    .trim()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return fallback;
      const n = Number(v);
      if (!Number.isInteger(n) || n < min || n > max) {
        ctx.addIssue({ code: 'custom', message: `expected a whole number from ${min} to ${max}, got "${v}"` });
        return z.NEVER;
      }
      return n;
    });

/** A Go-style duration, returned in seconds (tokens) or milliseconds (timeouts). */
export const duration = (fallback: string, unit: 's' | 'ms') =>
  z
    .string()
    .trim()
    .optional()
    .transform((v, ctx) => {
      const ms = parseDuration(v === undefined || v === '' ? fallback : v);
      if (ms === undefined || ms <= 0) {
        ctx.addIssue({ code: 'custom', message: `expected a duration such as 5m, 720h or 1h30m, got "${v}"` });
        return z.NEVER;
      }
      return unit === 's' ? Math.max(1, Math.floor(ms / 1000)) : Math.max(1, Math.round(ms));
    });

/** A whole number from `min` to `max`, or `undefined` when unset. */
export const optionalInt = (min: number, max: number) =>
  z
    .string()
    .trim()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return undefined;
      const n = Number(v);
      if (!Number.isInteger(n) || n < min || n > max) {
        ctx.addIssue({ code: 'custom', message: `expected a whole number from ${min} to ${max}, got "${v}"` });
        return z.NEVER;
      }
      return n;
    });

export const httpUrl = (fallback?: string) =>
  z
    .string()
    .trim()
    .optional()
    .transform((v, ctx) => {
      const raw = v === undefined || v === '' ? fallback : v;
      if (raw === undefined) return undefined;
      let url: URL;
      try {
        url = new URL(raw);
      } catch {
        ctx.addIssue({ code: 'custom', message: `expected an absolute http(s) URL, got "${raw}"` });
        return z.NEVER;
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        ctx.addIssue({ code: 'custom', message: `expected an http or https URL, got "${raw}"` });
        return z.NEVER;
      }
      return url.toString();
    });

/** The NODE_ENV values the gateway knows; `test` behaves as development. */
const NODE_ENVS = ['development', 'production', 'test'] as const;

/** The valid value `value` most likely meant: a prefix either way, else the fewest edits. */
function nearestNodeEnv(value: string): string {
  const lower = value.toLowerCase();
  const prefixed = NODE_ENVS.find((name) => name.startsWith(lower) || lower.startsWith(name));
  if (prefixed) return prefixed;
  const distance = (a: string, b: string) => {
    let row = Array.from({ length: b.length + 1 }, (_, i) => i);
    for (let i = 1; i <= a.length; i++) {
      const next = [i];
      for (let j = 1; j <= b.length; j++) {
        next[j] = Math.min((row[j] as number) + 1, (next[j - 1] as number) + 1, (row[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
      }
      row = next;
    }
    return row[b.length] as number;
  };
  return [...NODE_ENVS].sort((a, b) => distance(lower, a) - distance(lower, b))[0] as string;
}

/**
 * NODE_ENV exactly: `Production` or `prod` would otherwise run as development (generated
 * secrets, mails printed with their live links) while the operator believes otherwise.
 */
export const nodeEnv = z
  .string()
  .trim()
  .optional()
  .transform((v, ctx) => {
    if (v === undefined || v === '') return 'development';
    if ((NODE_ENVS as readonly string[]).includes(v)) return v as (typeof NODE_ENVS)[number];
    ctx.addIssue({ code: 'custom', message: `expected development, production or test, got "${v}" (did you mean ${nearestNodeEnv(v)}?)` });
    return z.NEVER;
  });


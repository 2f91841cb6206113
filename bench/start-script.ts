import { readFileSync } from 'node:fs';

/**
 * How `npm start` runs the gateway (package.json): its node flags and `NAME=${NAME:-value}`
 * environment defaults, so the bench and the soak run it alike.
 */
const START_SCRIPT = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: { start: string } }).scripts.start;
export const START_FLAGS = /node ((?:--\S+ )*)dist\/main\.js/.exec(START_SCRIPT)?.[1]?.trim() ?? '';
export const START_ENV: Record<string, string> = Object.fromEntries(
  [...START_SCRIPT.matchAll(/([A-Z_]+)=\$\{\1:-([^}]*)\}/g)].map((m) => [m[1] as string, process.env[m[1] as string] ?? (m[2] as string)]),
);

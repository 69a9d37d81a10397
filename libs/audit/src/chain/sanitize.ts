import { SENSITIVE_KEY } from '@app/common';

const CENSOR = '[redacted]';
const MAX_STRING = 64 * 1024;
const MAX_DEPTH = 12;
/** Ids are safe to keep even when their name mentions a key (`apiKeyId`, `api_key_id`). */
const ID_KEY = /(^|_|[a-z])(id|ids|Id|Ids|ID)$/;
/**
 * Token-shaped strings never reach the trail, whatever field they sit in. A match may only start
 * where a run of token characters starts: with a word boundary instead, each `-eyJ` inside one
 * long run was a new start scanning to the run's end (quadratic on `-eyJ-eyJ...`).
 */
const JWT = /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}/g;
// eslint-disable-next-line no-control-regex -- NUL is exactly what must go
const NUL = /\u0000/g;
/** A NUL, any surrogate, or the start of a token: only then can the replacements change text. */
// eslint-disable-next-line no-control-regex -- NUL is exactly what is looked for
const NEEDS_CLEANING = /[\u0000\uD800-\uDFFF]|eyJ/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Text PostgreSQL accepts and a trail may keep: no NUL (text and jsonb refuse it), no lone
 * surrogates (jsonb refuses them), bounded length, and no bearer tokens.
 */
export function cleanText(value: string, max = MAX_STRING): string {
  // Every read's entry cleans ~7 short strings: one scan decides whether any rewrite can apply.
  let out = NEEDS_CLEANING.test(value)
    ? value.replace(NUL, '').replace(LONE_SURROGATE, '\uFFFD').replace(JWT, CENSOR)
    : value;
  if (out.length > max) out = `${out.slice(0, max)}…[${out.length - max} more characters]`;
  return out;
}

export function cleanOptional(value: string | null | undefined, max = 1024): string | null {
  return value === null || value === undefined ? null : cleanText(String(value), max);
}

function isSensitiveKey(key: string): boolean {
  return SENSITIVE_KEY.test(key) && !ID_KEY.test(key);
}

/**
 * Makes `before`/`after` safe and storable: secrets removed (by field name and by shape), the
 * value reduced to plain JSON exactly as jsonb will hand it back (so its hash verifies later).
 */
export function sanitizeChanges(
  changes: { before: unknown; after: unknown } | null | undefined,
): { before: unknown; after: unknown } | null {
  if (!changes) return null;
  const plain = JSON.parse(
    JSON.stringify({ before: changes.before ?? null, after: changes.after ?? null }, (_k, v) =>
      typeof v === 'bigint' ? v.toString() : (v as unknown),
    ),
  ) as { before: unknown; after: unknown };
  return { before: scrub(plain.before, 0), after: scrub(plain.after, 0) };
}

function scrub(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return cleanText(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth > MAX_DEPTH) return '[truncated]';
  if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    const cleanKey = cleanText(key, 256);
    out[cleanKey] = isSensitiveKey(key) && v !== null ? CENSOR : scrub(v, depth + 1);
  }
  return out;
}

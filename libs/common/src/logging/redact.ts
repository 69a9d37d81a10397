/** Field names whose values never reach a log line: passwords, tokens, secrets, keys, cookies. */
export const SENSITIVE_KEY =
  /pass(word|phrase)?|token|secret|key|authorization|cookie|credential|hash/i;

const CENSOR = '[redacted]';

/** Deep copy with every sensitive field replaced; cycles and depth are bounded. */
export function redact(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (depth > 8 || seen.has(value)) return '[truncated]';
  seen.add(value);
  if (value instanceof Error) {
    return { type: value.name, message: value.message, stack: value.stack };
  }
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1, seen));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] =
      SENSITIVE_KEY.test(k) && v !== null && typeof v !== 'object'
        ? CENSOR
        : redact(v, depth + 1, seen);
    if (SENSITIVE_KEY.test(k) && v !== null && typeof v === 'object') out[k] = CENSOR;
  }
  return out;
}

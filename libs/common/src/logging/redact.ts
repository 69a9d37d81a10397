/** Field names whose values never reach a log line: passwords, tokens, secrets, keys, cookies. */
export const SENSITIVE_KEY =
  /pass(word|phrase)?|token|secret|key|authorization|cookie|credential|hash/i;

const CENSOR = '[redacted]';
const TRUNCATED = '[truncated]';

/**
 * Every sensitive field replaced; cycles and depth are bounded. Copy on write: a plain object or
 * array with nothing to change comes back as is (every log line passes through here, and most
 * have nothing to censor); other objects (class instances) are copied as plain objects.
 */
export function redact(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (depth > 8 || seen.has(value)) return TRUNCATED;
  seen.add(value);
  if (value instanceof Error) {
    return { type: value.name, message: value.message, stack: value.stack };
  }
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const out = redact(item, depth + 1, seen);
      if (!copy && out !== item) copy = value.slice(0, i);
      copy?.push(out);
    }
    return copy ?? value;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  const plain = proto === Object.prototype || proto === null;
  const source = value as Record<string, unknown>;
  let copy: Record<string, unknown> | undefined = plain ? undefined : {};
  const keys = Object.keys(source);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    const item = source[key];
    let out: unknown;
    if (item !== null && SENSITIVE_KEY.test(key)) {
      // Still walked: an object censored here is truncated wherever it appears again.
      if (typeof item === 'object') redact(item, depth + 1, seen);
      out = CENSOR;
    } else {
      out = redact(item, depth + 1, seen);
    }
    if (!copy && out !== item) {
      copy = {};
      for (let j = 0; j < i; j++) copy[keys[j]] = source[keys[j]];
    }
    if (copy) copy[key] = out;
  }
  return copy ?? value;
}

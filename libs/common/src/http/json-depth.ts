import type { FastifyBodyParser, FastifyInstance } from 'fastify';

/** Deepest nesting of arrays and objects a JSON body may have. */
export const MAX_JSON_DEPTH = 64;

/** How deep, and how wide, untrusted JSON may be. */
export interface JsonShapeLimits {
  maxDepth: number;
  /** Keys per object. */
  maxKeys: number;
  /** Items per array. */
  maxItems: number;
}

export const DEFAULT_JSON_SHAPE: JsonShapeLimits = {
  maxDepth: MAX_JSON_DEPTH,
  maxKeys: 1000,
  maxItems: 10_000,
};

/**
 * Why JSON text is too deep or too wide, or undefined when it is within the limits. One pass over
 * the text, strings skipped, never parsing: a container's members are its commas plus one (an
 * over-count for malformed text, which the parser refuses anyway). Deeper bodies would overflow
 * the recursive transformers; wider ones make class-transformer quadratic in the key count.
 */
export function jsonShapeViolation(
  text: string,
  limits: JsonShapeLimits = DEFAULT_JSON_SHAPE,
): string | undefined {
  // Per open container: whether it is an array and how many members it has seen so far.
  const isArray: boolean[] = [];
  const members: number[] = [];
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > limits.maxDepth) return `nested more than ${limits.maxDepth} levels deep`;
      isArray[depth] = c === 0x5b;
      members[depth] = 1;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    } else if (c === 0x2c && depth > 0) {
      const count = ++members[depth];
      if (isArray[depth] ? count > limits.maxItems : count > limits.maxKeys) {
        return isArray[depth]
          ? `an array has more than ${limits.maxItems} items (BODY_MAX_ITEMS)`
          : `an object has more than ${limits.maxKeys} keys (BODY_MAX_KEYS)`;
      }
    }
  }
  return undefined;
}

/** Whether JSON text nests arrays/objects deeper than `max` (width not checked). */
export function jsonDepthExceeds(text: string, max = MAX_JSON_DEPTH): boolean {
  return (
    jsonShapeViolation(text, {
      maxDepth: max,
      maxKeys: Number.POSITIVE_INFINITY,
      maxItems: Number.POSITIVE_INFINITY,
    }) !== undefined
  );
}

/** Keys that reach object prototypes or class-transformer's type lookup: never accepted. */
const RESERVED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * The first reserved key (`__proto__`, `constructor`, `prototype`) anywhere in a parsed JSON
 * value, or undefined. class-transformer treats a `constructor` key as a type and crashes (a
 * 500) or silently drops the field; refusing the key is the only safe answer.
 */
export function findReservedKey(value: unknown, depth = 0): string | undefined {
  if (value === null || typeof value !== 'object' || depth > MAX_JSON_DEPTH) return undefined;
  if (Array.isArray(value)) {
    for (const item of value) {
      const found = findReservedKey(item, depth + 1);
      if (found) return found;
    }
    return undefined;
  }
  for (const key of Object.keys(value)) {
    if (RESERVED_KEYS.has(key)) return key;
    const found = findReservedKey((value as Record<string, unknown>)[key], depth + 1);
    if (found) return found;
  }
  return undefined;
}

/**
 * Fastify's own JSON parser (prototype-poisoning checks included) behind depth and width limits:
 * a body nested deeper, or with a wider object or array, is a 400 naming the limit. Register it
 * with Nest's `app.useBodyParser('application/json', { bodyLimit }, shapeLimitedJsonParser(...))`.
 */
export function shapeLimitedJsonParser(
  fastify: FastifyInstance,
  limits: JsonShapeLimits = DEFAULT_JSON_SHAPE,
): FastifyBodyParser<Buffer> {
  const parse = fastify.getDefaultJsonParser('error', 'ignore');
  return (request, body, done) => {
    const text = body.toString('utf8');
    const violation = jsonShapeViolation(text, limits);
    if (violation) {
      const error = Object.assign(new Error(`The body is refused: ${violation}`), {
        statusCode: 400,
        code: 'FST_ERR_CTP_JSON_TOO_WIDE',
      });
      done(error, undefined);
      return;
    }
    void parse(request, text, (error, value) => {
      const reserved = error ? undefined : findReservedKey(value);
      if (reserved) {
        done(
          Object.assign(new Error(`The key "${reserved}" is not allowed in a body`), {
            statusCode: 400,
            code: 'FST_ERR_CTP_RESERVED_KEY',
          }),
          undefined,
        );
        return;
      }
      done(error, value);
    });
  };
}

/** The depth limit alone, at its defaults for width. */
export function depthLimitedJsonParser(
  fastify: FastifyInstance,
  maxDepth = MAX_JSON_DEPTH,
): FastifyBodyParser<Buffer> {
  return shapeLimitedJsonParser(fastify, { ...DEFAULT_JSON_SHAPE, maxDepth });
}

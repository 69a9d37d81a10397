import type { FastifyBodyParser, FastifyInstance } from 'fastify';

/** Deepest nesting of arrays and objects a JSON body may have. */
export const MAX_JSON_DEPTH = 64;

/**
 * Whether JSON text nests arrays/objects deeper than `max`. One pass over the text, strings
 * skipped; it never parses. Deeper bodies would overflow the stack of the recursive
 * transformers and validators (a 500) instead of being refused.
 */
export function jsonDepthExceeds(text: string, max = MAX_JSON_DEPTH): boolean {
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
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
  }
  return false;
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
 * Fastify's own JSON parser (prototype-poisoning checks included) behind a nesting limit: a
 * body nested deeper than MAX_JSON_DEPTH is a 400. Register it with Nest's
 * `app.useBodyParser('application/json', { bodyLimit }, jsonParser(fastify))`.
 */
export function depthLimitedJsonParser(
  fastify: FastifyInstance,
  maxDepth = MAX_JSON_DEPTH,
): FastifyBodyParser<Buffer> {
  const parse = fastify.getDefaultJsonParser('error', 'ignore');
  return (request, body, done) => {
    const text = body.toString('utf8');
    if (jsonDepthExceeds(text, maxDepth)) {
      const error = Object.assign(new Error(`Body is nested more than ${maxDepth} levels deep`), {
        statusCode: 400,
        code: 'FST_ERR_CTP_JSON_TOO_DEEP',
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

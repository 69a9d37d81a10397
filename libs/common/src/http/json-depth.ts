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
    void parse(request, text, done);
  };
}

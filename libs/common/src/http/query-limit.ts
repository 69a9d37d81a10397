import type { FastifyInstance } from 'fastify';
import { parse } from 'fast-querystring';

/** Marks a query string that had more parameters than allowed (set by the parser below). */
const TOO_MANY_PARAMS = Symbol('query has too many parameters');

type ParsedQuery = Record<string | symbol, unknown>;

/**
 * Fastify's own query-string parser behind a parameter count: a longer query would become an
 * object (or a repeated key an array) as wide as the URL allows, before any validation. The
 * router calls this while matching the route, where a throw would escape every error handler,
 * so an oversized query is only marked here and refused by `registerQueryLimit`'s hook.
 */
export function limitedQuerystringParser(maxParams: number): (query: string) => ParsedQuery {
  return (query) => {
    if (query.length === 0) return {};
    let params = 1;
    for (let at = query.indexOf('&'); at !== -1; at = query.indexOf('&', at + 1)) {
      if (++params > maxParams) return { [TOO_MANY_PARAMS]: maxParams };
    }
    return parse(query) as ParsedQuery;
  };
}

/** Refuses, with a 400 before anything else runs, a query the parser above marked. */
export function registerQueryLimit(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, _reply, done) => {
    const limit = (request.query as ParsedQuery | undefined)?.[TOO_MANY_PARAMS] as
      number | undefined;
    if (limit === undefined) return done();
    done(
      Object.assign(
        new Error(`The query string has more than ${limit} parameters (QUERY_MAX_PARAMS)`),
        { statusCode: 400, code: 'FST_ERR_QUERY_TOO_WIDE' },
      ),
    );
  });
}

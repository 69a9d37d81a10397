import type { FastifyInstance, FastifyRequest, RouteOptions, preParsingHookHandler } from 'fastify';
import { CONSUMES_CONFIG_KEY } from '../decorators/consumes.decorator';

/** What a route takes when it declares nothing. */
export const DEFAULT_CONSUMES: readonly string[] = ['application/json'];

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE', 'QUERY']);

/** The media type of a Content-Type header without its parameters, lower-cased. */
export function mediaTypeOf(header: string): string {
  const semicolon = header.indexOf(';');
  return (semicolon === -1 ? header : header.slice(0, semicolon)).trim().toLowerCase();
}

/** Whether a request carries a body Fastify would hand to a parser. */
function hasBody(request: FastifyRequest): boolean {
  const { headers } = request;
  if (headers['content-type'] !== undefined) return true;
  const length = headers['content-length'];
  return headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * Content-type parsers are global in Fastify, so a parser one route needs (NDJSON for the
 * import) would otherwise run on every route and hand, say, the login handler a raw stream.
 * When each route is added, a preParsing hook is attached to it that lets through only the
 * media types it declares with @Consumes (JSON by default): anything else is a 415 before any
 * parser runs. Register before the routes are (i.e. before `app.init()`).
 */
export function registerContentTypeCheck(fastify: FastifyInstance): void {
  fastify.addHook('onRoute', (route: RouteOptions) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (!methods.some((method) => BODY_METHODS.has(method.toUpperCase()))) return;
    const declared = (route.config as Record<string, unknown> | undefined)?.[CONSUMES_CONFIG_KEY];
    const allowed = new Set(Array.isArray(declared) ? (declared as string[]) : DEFAULT_CONSUMES);
    const accepted = [...allowed].join(', ');
    const check: preParsingHookHandler = (request, _reply, payload, done) => {
      if (!hasBody(request)) return done(null, payload);
      const header = request.headers['content-type'];
      // No Content-Type with a body: Fastify's own 415 says so.
      if (header === undefined || allowed.has(mediaTypeOf(header))) return done(null, payload);
      const given = mediaTypeOf(header).slice(0, 100) || 'an empty Content-Type';
      done(
        Object.assign(new Error(`This route does not take ${given}; send ${accepted}`), {
          statusCode: 415,
          code: 'FST_ERR_CTP_ROUTE_MEDIA_TYPE',
        }),
      );
    };
    const existing = route.preParsing;
    route.preParsing = existing
      ? [...(Array.isArray(existing) ? existing : [existing]), check]
      : [check];
  });
}

import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { RequestContext, type RequestStore } from '../context/request-context';
import { resolveRequestId } from '../context/request-id';

declare module 'fastify' {
  interface FastifyRequest {
    context?: RequestStore;
  }
}

/** Route template for logs and metrics: never the raw path (ids would explode cardinality). */
export function routeTemplate(request: FastifyRequest): string {
  // The context holds it from onRequest on: Fastify's routeOptions getter builds an object per read.
  return request.context?.route ?? request.routeOptions?.url ?? 'unmatched';
}

/**
 * Opens the request context (request id, IP, user agent) around the whole request, echoes
 * `X-Request-Id`, and writes one log line per request with id, method, route, status and duration.
 */
export function registerRequestHooks(fastify: FastifyInstance, logger: Logger): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    const store: RequestStore = {
      requestId: resolveRequestId(request.headers['x-request-id']),
      ip: request.ip,
      userAgent: request.headers['user-agent']?.slice(0, 512) ?? null,
      method: request.method,
      route: request.routeOptions?.url ?? null,
      startedAt: process.hrtime.bigint(),
    };
    request.context = store;
    void reply.header('x-request-id', store.requestId);
    RequestContext.run(store, done);
  });

  fastify.addHook('onResponse', (request, reply, done) => {
    // LOG_LEVEL above info: no line, so build none.
    if (!logger.isLevelEnabled('info')) return done();
    const store = request.context;
    const durationMs = store ? Number(process.hrtime.bigint() - store.startedAt) / 1e6 : undefined;
    logger.info(
      {
        requestId: store?.requestId,
        method: request.method,
        route: routeTemplate(request),
        status: reply.statusCode,
        ip: store?.ip,
        durationMs: durationMs === undefined ? undefined : Math.round(durationMs * 100) / 100,
        userId: store?.principal?.userId,
        tenantId: store?.principal?.tenantId,
      },
      'request',
    );
    done();
  });
}

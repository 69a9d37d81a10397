import type { FastifyInstance } from 'fastify';

export const NDJSON = 'application/x-ndjson';

/**
 * Hands an NDJSON body to the route as the raw request stream (no buffering, no body limit
 * here: the import reads it line by line under its own limit).
 */
export function registerNdjsonParser(fastify: FastifyInstance): void {
  if (fastify.hasContentTypeParser(NDJSON)) return;
  fastify.addContentTypeParser(NDJSON, (_request, payload, done) => {
    done(null, payload);
  });
}

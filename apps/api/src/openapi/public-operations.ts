import type { OpenAPIObject } from '@nestjs/swagger';
import { operationsOf } from './operations';
import { routeKey, type RouteFacts } from './route-facts';

/**
 * `security: []` on each @Public() operation that declares no scheme of its own: it says "no
 * credentials needed" instead of leaving a generator to guess.
 */
export function declarePublicOperations(
  document: OpenAPIObject,
  facts: Map<string, RouteFacts>,
): void {
  for (const { method, path, operation } of operationsOf(document))
    if (facts.get(routeKey(method, path))?.public && !operation.security?.length)
      operation.security = [];
}

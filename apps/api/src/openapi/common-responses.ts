import type {
  HeaderObject,
  HeadersObject,
  OpenAPIObject,
  ReferenceObject,
  ResponseObject,
  SchemaObject,
} from '@nestjs/swagger';
import { operationsOf } from './operations';
import { routeKey, type RouteFacts } from './route-facts';

const PROBLEM = {
  'application/problem+json': { schema: { $ref: '#/components/schemas/ProblemDto' } },
};
const ref = (name: string): ReferenceObject => ({ $ref: `#/components/headers/${name}` });
const integer = (maximum: number): SchemaObject => ({
  type: 'integer',
  format: 'int32',
  minimum: 0,
  maximum,
});

/** Reusable header objects (components.headers), by component name. */
export const RESPONSE_HEADERS: Record<string, HeaderObject> = {
  // Set by the rate-limit guard, so absent when a request is refused before it is counted
  // (malformed or oversized body, failed authentication).
  RateLimitLimit: {
    description:
      'Requests allowed in the current one-minute window (absent when refused before counting)',
    schema: integer(2147483647),
  },
  RateLimitRemaining: {
    description: 'Requests left in the current window',
    schema: integer(2147483647),
  },
  RateLimitReset: { description: 'Seconds until the current window ends', schema: integer(60) },
  // Every 429 carries it (each limit that answers 429 says when to come back).
  RetryAfter: {
    description: 'Seconds to wait before trying again',
    required: true,
    schema: integer(86400),
  },
  // A 503 of an overload (busy workers, instance cap, cancelled query, database down) has it;
  // one of a draining instance does not.
  RetryAfterWhenBusy: {
    description: 'Seconds to wait before trying again, when the cause is temporary overload',
    schema: integer(86400),
  },
};
const RATE_LIMIT_HEADERS: Array<[string, string]> = [
  ['X-RateLimit-Limit', 'RateLimitLimit'],
  ['X-RateLimit-Remaining', 'RateLimitRemaining'],
  ['X-RateLimit-Reset', 'RateLimitReset'],
];

const TOO_MANY =
  'Too many requests: over the rate limit (with `X-RateLimit-*`), an IP over the failed-authentication ' +
  "limit, a locked account, or the tenant's concurrency cap; wait `Retry-After` seconds";
const INTERNAL = 'Unexpected error: logged with its stack, answered without details';

/**
 * Declares what every operation may answer beyond its own decorators: a 500, a 429 where the
 * guards can send one, `Retry-After` on 429 and 503, and the `X-RateLimit-*` headers the
 * rate-limit guard sets on every response of a counted route.
 */
export function declareCommonResponses(
  document: OpenAPIObject,
  facts: Map<string, RouteFacts>,
): void {
  document.components = {
    ...document.components,
    headers: { ...document.components?.headers, ...RESPONSE_HEADERS },
  };
  for (const { method, path, operation } of operationsOf(document)) {
    const fact = facts.get(routeKey(method, path));
    if (!fact) throw new Error(`no route found for ${method.toUpperCase()} ${path}`);
    const responses = operation.responses;
    if (fact.limited || !fact.public)
      responses['429'] ??= { description: TOO_MANY, content: PROBLEM };
    responses['500'] ??= { description: INTERNAL, content: PROBLEM };
    for (const [status, response] of Object.entries<ResponseObject | ReferenceObject | undefined>(
      responses,
    )) {
      if (!response || '$ref' in response) continue;
      const headers: HeadersObject = { ...response.headers };
      if (status === '429') headers['Retry-After'] = ref('RetryAfter');
      if (status === '503') headers['Retry-After'] = ref('RetryAfterWhenBusy');
      if (fact.limited)
        for (const [name, component] of RATE_LIMIT_HEADERS) headers[name] = ref(component);
      if (Object.keys(headers).length > 0) response.headers = headers;
    }
  }
}

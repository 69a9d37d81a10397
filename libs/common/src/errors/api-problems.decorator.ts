import { applyDecorators } from '@nestjs/common';
import { ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { ProblemDto } from './problem.dto';

const DESCRIPTIONS: Record<number, string> = {
  400: 'Validation failed (see `errors`)',
  401: 'Missing, invalid or expired credentials',
  403: 'Authenticated, but the role or key scope does not allow this',
  404: 'Not found (also for resources of another tenant)',
  409: 'Conflict with the current state',
  412: 'The `If-Match` ETag is stale',
  413: 'Body too large',
  415: 'Unsupported Content-Type',
  422: 'Understood, but over a processing limit (see `reason`)',
  429: 'Rate limited; see `Retry-After`',
  503: 'Temporarily unavailable',
};

/** Declares problem+json error responses for Swagger. */
export function ApiProblems(...statuses: number[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: DESCRIPTIONS[status] ?? 'Error',
        content: { 'application/problem+json': { schema: { $ref: getSchemaPath(ProblemDto) } } },
      }),
    ),
  );
}

import type { HttpResponse } from '../../support/http-client';

/** Words that would mean database internals leaked into an answer. */
export const DATABASE_TEXT =
  /ECONNREFUSED|ECONNRESET|postgres|pg_|SQL|SELECT |INSERT |relation "|connect(ion)? (refused|terminated)|127\.0\.0\.1|:\d{4,5}\b|QueryFailedError|TypeORM|node_modules|\bat .*\.js:\d+/i;

export function expectProblem(response: HttpResponse, status?: number): void {
  if (status !== undefined) expect(response.status).toBe(status);
  expect(response.headers.get('content-type') ?? '').toMatch(/^application\/problem\+json/);
  expect(typeof response.body).toBe('object');
  expect(response.body.status).toBe(response.status);
  expect(typeof response.body.title).toBe('string');
  expect(typeof response.body.code).toBe('string');
}

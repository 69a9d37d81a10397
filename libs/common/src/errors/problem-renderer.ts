import { HttpException } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { RequestContext } from '../context/request-context';
import { currentTraceId } from '../logging/trace-id';
import { type ErrorCode, TITLE_BY_CODE, codeForStatus } from './error-code';
import { isDataException, isQueryCancelled, isUniqueViolation } from './pg-error';
import { ProblemException, type FieldError } from './problem.exception';

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  code: ErrorCode;
  requestId: string;
  /** Only when tracing is on: the trace of this request in the trace store. */
  traceId?: string;
  reason?: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

interface FastifyLikeError {
  code?: string;
  statusCode?: number;
  message?: string;
}

const FASTIFY_ERRORS: Record<string, { status: number; detail: string }> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415,
    detail: 'Unsupported Content-Type; send application/json',
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    status: 400,
    detail: 'Content-Length does not match the body',
  },
  FST_ERR_CTP_BODY_TOO_LARGE: {
    status: 413,
    detail: 'Request body is larger than the configured limit',
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    status: 400,
    detail: 'Body is empty but Content-Type is application/json',
  },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, detail: 'Body is not valid JSON' },
  FST_ERR_CTP_INVALID_TYPE: { status: 400, detail: 'Content-Type header is malformed' },
  FST_ERR_BAD_URL: { status: 400, detail: 'The URL is malformed' },
  FST_ERR_MAX_PARAM_LENGTH: { status: 414, detail: 'A path parameter is longer than allowed' },
  FST_HPE_HEADER_OVERFLOW: { status: 431, detail: 'The request line or headers are too large' },
  FST_ERR_HTTP_REQUEST_TIMEOUT: { status: 408, detail: 'The request was not received in time' },
  FST_ERR_ASYNC_CONSTRAINT: {
    status: 400,
    detail: 'The request does not match a route constraint',
  },
};

/** Connection-level failures of the database: answered 503 without any database text. */
const DB_UNAVAILABLE =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|Connection terminated|timeout exceeded when trying to connect|the database system is (starting up|shutting down)|terminating connection|Client has encountered a connection error|Connection is not established|57P01|57P03|08006|08001/;

/**
 * Turns any thrown value into an RFC 9457 problem. 5xx details never echo the original error;
 * unexpected errors are logged with their stack.
 */
export function toProblem(
  error: unknown,
  instance: string,
  logger: Logger,
): { body: ProblemBody; headers: Record<string, string> } {
  let status = 500;
  let detail = 'An unexpected error occurred';
  let code: ErrorCode | undefined;
  let reason: string | undefined;
  let errors: FieldError[] | undefined;
  let headers: Record<string, string> = {};
  let extensions: Record<string, unknown> | undefined;

  if (error instanceof ProblemException) {
    ({ status, detail, code, reason, errors, extensions } = error);
    headers = { ...error.headers };
  } else if (error instanceof HttpException) {
    status = error.getStatus();
    detail = httpExceptionDetail(error, status);
  } else if (isFastifyError(error)) {
    const known = FASTIFY_ERRORS[error.code];
    status = known?.status ?? error.statusCode ?? 400;
    detail = known?.detail ?? (status < 500 ? (error.message ?? 'Bad request') : detail);
  } else if (isJsonSyntaxError(error)) {
    status = 400;
    detail = 'Body is not valid JSON';
  } else if (isDataException(error)) {
    // A data exception slipped past validation (bad number, date or text): the client's fault.
    status = 400;
    detail = 'A value in the request is malformed or out of range';
  } else if (isUniqueViolation(error)) {
    status = 409;
    detail = 'A resource with the same unique value already exists';
  } else if (isQueryCancelled(error)) {
    status = 503;
    detail = 'The request took too long and was cancelled; try again shortly';
    headers['retry-after'] = '5';
  } else if (isDatabaseUnavailable(error)) {
    status = 503;
    reason = 'DATABASE_UNAVAILABLE';
    detail = 'The database is unavailable; try again shortly';
    headers['retry-after'] = '5';
    logger.warn({ err: error }, 'database unavailable');
  }

  if (status >= 500 && status !== 503) {
    logger.error({ err: error, instance }, 'unhandled error');
  }
  code ??= codeForStatus(status);
  if (status === 401) headers['www-authenticate'] ??= 'Bearer';

  const body: ProblemBody = {
    // Extensions first, so none can overwrite a standard member.
    ...extensions,
    type: `urn:content-blocks:problem:${code.toLowerCase().replace(/_/g, '-')}`,
    title: TITLE_BY_CODE[code],
    status,
    detail,
    instance,
    code,
    requestId: RequestContext.requestId() ?? 'unknown',
  };
  const traceId = currentTraceId();
  if (traceId) body.traceId = traceId;
  if (reason) body.reason = reason;
  if (errors?.length) body.errors = errors;
  return { body, headers };
}

/**
 * For errors Node's HTTP parser raises before any request exists (headers or URL too large,
 * malformed request line, timeout): the raw response to write to the socket, as problem+json.
 */
export function rawClientErrorResponse(error: { code?: string }, logger: Logger): string {
  // Node's parser codes, under the FST_ prefix the Fastify-error mapping above keys on.
  const code = `FST_${error.code ?? 'CLIENT_ERROR'}`;
  const { body } = toProblem(
    { code, statusCode: FASTIFY_ERRORS[code]?.status ?? 400, message: 'The request is malformed' },
    '/',
    logger,
  );
  const json = JSON.stringify(body);
  return (
    `HTTP/1.1 ${body.status} ${body.title}\r\nContent-Type: application/problem+json\r\n` +
    `Content-Length: ${Buffer.byteLength(json)}\r\nConnection: close\r\n\r\n${json}`
  );
}

/** Writes a problem as `application/problem+json`. */
export function sendProblem(
  reply: FastifyReply,
  request: FastifyRequest,
  error: unknown,
  logger: Logger,
): FastifyReply {
  const instance = (request.url ?? '/').split('?')[0];
  const { body, headers } = toProblem(error, instance, logger);
  for (const [name, value] of Object.entries(headers)) void reply.header(name, value);
  return reply.status(body.status).type('application/problem+json').send(body);
}

function httpExceptionDetail(error: HttpException, status: number): string {
  if (status >= 500) return 'An unexpected error occurred';
  const response = error.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (Array.isArray(message)) return message.join('; ');
  if (typeof message === 'string') {
    // Nest's router says "Cannot GET /x". The path is the caller's raw input (and already in
    // `instance`): the detail names only the method, so nothing hostile is echoed into prose.
    const route = /^Cannot (\w+) /.exec(message);
    return route ? `No route matches ${route[1]} on this path` : message;
  }
  return error.message;
}

function isFastifyError(error: unknown): error is FastifyLikeError & { code: string } {
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as FastifyLikeError).code === 'string' &&
    (error as FastifyLikeError).code!.startsWith('FST_')
  );
}

function isJsonSyntaxError(error: unknown): boolean {
  return error instanceof SyntaxError && (error as FastifyLikeError).statusCode === 400;
}

function isDatabaseUnavailable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { code?: unknown; message?: unknown; driverError?: unknown };
  const text = `${typeof e.code === 'string' ? e.code : ''} ${typeof e.message === 'string' ? e.message : ''}`;
  return (
    DB_UNAVAILABLE.test(text) ||
    (e.driverError !== undefined && isDatabaseUnavailable(e.driverError))
  );
}

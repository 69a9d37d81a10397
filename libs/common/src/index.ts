export * from './context/principal';
export { RequestContext, type RequestStore } from './context/request-context';
export { resolveRequestId } from './context/request-id';
export * from './decorators/auth.decorators';
export { RouteMetadata } from './decorators/route-metadata';
export { SessionOnly, SESSION_ONLY_KEY } from './decorators/session-only.decorator';
export { ErrorCode, codeForStatus } from './errors/error-code';
export {
  ProblemException,
  moduleException,
  type ErrorTable,
  type FieldError,
} from './errors/problem.exception';
export { CommonErrorCode, CommonException } from './errors/common.exception';
export { ProblemDto, FieldErrorDto } from './errors/problem.dto';
export { ApiProblems } from './errors/api-problems.decorator';
export { ProblemFilter } from './errors/problem.filter';
export {
  rawClientErrorResponse,
  sendProblem,
  toProblem,
  type ProblemBody,
} from './errors/problem-renderer';
export { createLogger, type Logger } from './logging/logger';
export { PinoNestLogger } from './logging/nest-logger';
export { LOGGER } from './logging/logger.token';
export { currentTraceId, useTraceIds } from './logging/trace-id';
export { redact, SENSITIVE_KEY } from './logging/redact';
export { createValidationPipe, flattenValidationErrors } from './validation/validation.pipe';
export { UuidPipe } from './validation/uuid.pipe';
export { UUID_LENGTH, UUID_PATTERN, isUuid } from './validation/uuid';
export { ISO_INSTANT_MAX_LENGTH, IsIsoInstant } from './validation/iso-instant';
export { VALIDATOR_OPTIONS } from './validation/validator-options';
export {
  PgErrorCode,
  isDataException,
  isQueryCancelled,
  isUniqueViolation,
  pgConstraint,
  sqlState,
} from './errors/pg-error';
export { canonicalJson } from './json/canonical-json';
export {
  IdentityCache,
  IDENTITY_CACHE_MAX,
  type CacheMeter,
  type IdentityCacheOptions,
  type InvalidationFeed,
} from './cache/identity-cache';
export { CURSOR_MAX_LENGTH, encodeCursor, decodeCursor } from './pagination/cursor';
export { PageOf, PageQueryDto, type Page } from './pagination/page.dto';
export { registerRequestHooks, routeTemplate } from './http/request-hooks';
export { DEFAULT_CONSUMES, mediaTypeOf, registerContentTypeCheck } from './http/content-type-check';
export { limitedQuerystringParser, registerQueryLimit } from './http/query-limit';
export { bearerMatches } from './http/bearer-token';
export { Consumes, CONSUMES_CONFIG_KEY } from './decorators/consumes.decorator';
export {
  MAX_JSON_DEPTH,
  DEFAULT_JSON_SHAPE,
  type JsonShapeLimits,
  jsonDepthExceeds,
  jsonShapeViolation,
  depthLimitedJsonParser,
  shapeLimitedJsonParser,
  findReservedKey,
} from './http/json-depth';
export { CommonModule } from './common.module';
export {
  TenantConcurrency,
  type ConcurrencyObserver,
  type RefusalScope,
  type Release,
} from './fairness/tenant-concurrency';
export { FairnessErrorCode, FairnessException } from './fairness/fairness.exception';
export { ConcurrencyPrecheckGuard } from './fairness/concurrency-precheck.guard';
export { HeavyOperation, HEAVY_OPERATION_KEY } from './fairness/heavy-operation.decorator';
export { VECTOR_SEARCH, type VectorHit, type VectorSearch } from './search/vector-search.port';

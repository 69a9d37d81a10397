import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { AppConfig, type EmbeddingsConfig } from './app-config';
import { parseDurationSeconds } from './duration';
import { EnvDto } from './env.dto';
import {
  DEFAULT_STATEMENT_TIMEOUTS_MS,
  DEFAULT_TENANT_CONCURRENCY,
  type OperationClass,
  parseClassMap,
} from './fairness-config';

/** Thrown at start-up; its message names every bad variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const MIB = 1024 * 1024;

/** Validates the environment once into an AppConfig, or throws a ConfigError naming each problem. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): AppConfig {
  // Empty strings mean "unset", as in most shells and .env files.
  const raw = Object.fromEntries(
    Object.entries(source).filter(([, v]) => v !== undefined && v !== ''),
  );
  const env = plainToInstance(EnvDto, raw, { excludeExtraneousValues: false });
  const errors = validateSync(env, { skipMissingProperties: false, forbidUnknownValues: true });
  const problems = errors.flatMap((e) =>
    Object.values(e.constraints ?? {}).map((m) =>
      m.startsWith(e.property) ? m : `${e.property}: ${m}`,
    ),
  );

  const nodeEnv = (env.NODE_ENV ?? 'development') as AppConfig['env'];
  const isProduction = nodeEnv === 'production';
  if (isProduction && !env.JWT_SECRET) {
    problems.push('JWT_SECRET is required when NODE_ENV=production (at least 32 bytes)');
  }
  if (isProduction && !env.DATABASE_URL) {
    problems.push('DATABASE_URL is required when NODE_ENV=production');
  }
  if (env.JWT_SECRET && Buffer.byteLength(env.JWT_SECRET) < 32) {
    problems.push('JWT_SECRET must be at least 32 bytes');
  }
  const concurrency = parseClassMap(
    'TENANT_CONCURRENCY',
    env.TENANT_CONCURRENCY,
    DEFAULT_TENANT_CONCURRENCY,
    { min: 1, max: 10_000 },
  );
  const timeouts = parseClassMap(
    'STATEMENT_TIMEOUTS_MS',
    env.STATEMENT_TIMEOUTS_MS,
    DEFAULT_STATEMENT_TIMEOUTS_MS,
    { min: 100, max: 3_600_000 },
  );
  problems.push(...concurrency.problems, ...timeouts.problems, ...embeddingsProblems(env));
  if (problems.length > 0) {
    throw new ConfigError(`Invalid configuration:\n  - ${[...new Set(problems)].join('\n  - ')}`);
  }

  const dataDir = resolve(env.DATA_DIR ?? './.data');
  const perMinute = env.RATE_LIMIT_PER_MINUTE ?? 300;
  return Object.assign(new AppConfig(), {
    env: nodeEnv,
    isProduction,
    port: env.PORT ?? 3000,
    host: env.HOST ?? '0.0.0.0',
    databaseUrl: env.DATABASE_URL,
    dataDir,
    jwtSecret: env.JWT_SECRET ?? developmentJwtSecret(dataDir),
    accessTokenTtlSeconds: parseDurationSeconds(env.ACCESS_TOKEN_TTL ?? '15m'),
    refreshTokenTtlSeconds: parseDurationSeconds(env.REFRESH_TOKEN_TTL ?? '7d'),
    refreshReuseGraceSeconds: env.REFRESH_REUSE_GRACE_SECONDS ?? 0,
    admin: { email: env.ADMIN_EMAIL, username: env.ADMIN_USERNAME, password: env.ADMIN_PASSWORD },
    rateLimit: {
      perMinute,
      authPerMinute: env.RATE_LIMIT_AUTH_PER_MINUTE ?? 10,
      loginMaxFailures: env.LOGIN_MAX_FAILURES ?? 5,
      perRole: {
        admin: env.RATE_LIMIT_PER_MINUTE_ADMIN ?? perMinute,
        user: env.RATE_LIMIT_PER_MINUTE_USER ?? perMinute,
        guest: env.RATE_LIMIT_PER_MINUTE_GUEST ?? perMinute,
      },
      failedAuthPerMinute: env.RATE_LIMIT_FAILED_AUTH_PER_MINUTE ?? 60,
    },
    apiKeys: { maxPerUser: env.API_KEYS_MAX_PER_USER ?? 25 },
    docsEnabled: env.DOCS_ENABLED !== 'false',
    healthDetail: {
      open: !env.HEALTH_DETAIL_TOKEN && !isProduction,
      token: env.HEALTH_DETAIL_TOKEN,
    },
    redisUrl: env.REDIS_URL,
    trustProxy: parseTrustProxy(env.TRUST_PROXY),
    corsOrigins: parseCorsOrigins(env.CORS_ORIGINS, isProduction),
    logLevel: env.LOG_LEVEL ?? 'info',
    tracing: {
      enabled: env.OTEL_EXPORTER_OTLP_ENDPOINT !== undefined,
      serviceName: env.OTEL_SERVICE_NAME ?? 'content-blocks',
    },
    metrics: {
      enabled: env.METRICS_ENABLED !== 'false',
      port: env.METRICS_PORT,
      token: env.METRICS_TOKEN,
    },
    audit: { retentionDays: env.AUDIT_RETENTION_DAYS ?? 90, reads: env.AUDIT_READS !== 'false' },
    bodyLimitBytes: env.BODY_LIMIT_BYTES ?? 10 * MIB,
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS ?? 10_000,
    shutdownDelayMs: env.SHUTDOWN_DELAY_MS ?? 0,
    blocks: {
      maxTitleLength: env.BLOCKS_MAX_TITLE_LENGTH ?? 200,
      maxContentBytes: env.BLOCKS_MAX_CONTENT_BYTES ?? MIB,
      maxTags: env.BLOCKS_MAX_TAGS ?? 32,
      maxTagLength: env.BLOCKS_MAX_TAG_LENGTH ?? 64,
      maxMetadataBytes: env.BLOCKS_MAX_METADATA_BYTES ?? 16 * 1024,
      importMaxBytes: env.BLOCKS_IMPORT_MAX_BYTES ?? 100 * MIB,
      diffMaxBytes: env.BLOCKS_DIFF_MAX_BYTES ?? MIB,
    },
    input: {
      maxObjectKeys: env.BODY_MAX_KEYS ?? 1000,
      maxArrayItems: env.BODY_MAX_ITEMS ?? 10_000,
      maxQueryParams: env.QUERY_MAX_PARAMS ?? 256,
    },
    workers: {
      maxThreads: env.WORKERS_MAX_THREADS ?? Math.max(1, Math.min(4, availableParallelism())),
      maxQueue: env.WORKERS_MAX_QUEUE ?? 64,
      taskTimeoutMs: env.WORKERS_TASK_TIMEOUT_MS ?? 5000,
      maxMemoryMb: env.WORKERS_MAX_MEMORY_MB ?? 128,
    },
    fairness: {
      tenantConcurrency: concurrency.value as Record<OperationClass, number>,
      tenantMax: env.TENANT_CONCURRENCY_MAX ?? 4,
      // The pool holds 20 connections: 6 stay free for reads, sign-ins and audit writes.
      instanceMax: env.INSTANCE_CONCURRENCY_MAX ?? 14,
      waitMs: env.CONCURRENCY_WAIT_MS ?? 2_000,
      statementTimeoutsMs: timeouts.value,
    },
    exports: {
      pdfChromiumPath: env.PDF_CHROMIUM_PATH,
      maxMarkdownBytes: env.EXPORT_MAX_MARKDOWN_BYTES ?? 5 * MIB,
      timeoutMs: env.EXPORT_TIMEOUT_MS ?? 15000,
      pdfMaxConcurrency: env.EXPORT_PDF_MAX_CONCURRENCY ?? 2,
    },
    embeddings: {
      provider: (env.EMBEDDINGS_PROVIDER ?? 'none') as EmbeddingsConfig['provider'],
      url: env.EMBEDDINGS_URL && withoutTrailingSlashes(env.EMBEDDINGS_URL),
      model: env.EMBEDDINGS_MODEL,
      apiKey: env.EMBEDDINGS_API_KEY,
      dimensions: env.EMBEDDINGS_DIMENSIONS,
      requestDimensions: env.EMBEDDINGS_REQUEST_DIMENSIONS === 'true',
      batchSize: env.EMBEDDINGS_BATCH_SIZE ?? 32,
      timeoutMs: env.EMBEDDINGS_TIMEOUT_MS ?? 10_000,
      retries: env.EMBEDDINGS_RETRIES ?? 2,
      pollIntervalMs: env.EMBEDDINGS_POLL_INTERVAL_MS ?? 2_000,
      scanMaxVectors: env.EMBEDDINGS_SCAN_MAX_VECTORS ?? 20_000,
    },
  });
}

function withoutTrailingSlashes(url: string): string {
  let end = url.length;
  while (end > 0 && url[end - 1] === '/') end--;
  return url.slice(0, end);
}

/** A provider needs to know where it is, which model and how long its vectors are. */
function embeddingsProblems(env: EnvDto): string[] {
  if (env.EMBEDDINGS_PROVIDER !== 'openai') return [];
  return (['EMBEDDINGS_URL', 'EMBEDDINGS_MODEL', 'EMBEDDINGS_DIMENSIONS'] as const)
    .filter((name) => env[name] === undefined)
    .map((name) => `${name} is required when EMBEDDINGS_PROVIDER=openai`);
}

function parseTrustProxy(value: string | undefined): AppConfig['trustProxy'] {
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) return Number(value);
  return value.split(',').map((s) => s.trim());
}

function parseCorsOrigins(
  value: string | undefined,
  isProduction: boolean,
): AppConfig['corsOrigins'] {
  if (value === undefined) return isProduction ? [] : true;
  if (value.trim() === '*') return true;
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** In development the HS256 key is generated once and kept beside the embedded database. */
function developmentJwtSecret(dataDir: string): string {
  const file = join(dataDir, 'jwt-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(file, secret, { mode: 0o600 });
  chmodSync(file, 0o600);
  return secret;
}

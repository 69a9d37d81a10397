import { Transform } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';

const DURATION = /^\d+(ms|s|m|h|d)?$/;
const toInt = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;

/** One decorated property per environment variable; values arrive as strings. */
export class EnvDto {
  @IsOptional()
  @IsIn(['development', 'production', 'test'])
  NODE_ENV?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT?: number;

  @IsOptional()
  @IsString()
  HOST?: string;

  @IsOptional()
  @IsUrl(
    { protocols: ['postgres', 'postgresql'], require_tld: false, require_protocol: true },
    { message: 'DATABASE_URL must be a postgres:// or postgresql:// connection string' },
  )
  DATABASE_URL?: string;

  @IsOptional()
  @IsString()
  DATA_DIR?: string;

  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'JWT_SECRET must be at least 32 bytes' })
  JWT_SECRET?: string;

  @IsOptional()
  @Matches(DURATION, { message: 'ACCESS_TOKEN_TTL must be a duration such as 900, 15m or 1h' })
  ACCESS_TOKEN_TTL?: string;

  @IsOptional()
  @Matches(DURATION, { message: 'REFRESH_TOKEN_TTL must be a duration such as 7d' })
  REFRESH_TOKEN_TTL?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(10, { message: 'REFRESH_REUSE_GRACE_SECONDS must be at most 10' })
  REFRESH_REUSE_GRACE_SECONDS?: number;

  @IsOptional()
  @Matches(/^[^\s@]+@[^\s@]+$/, { message: 'ADMIN_EMAIL must be an email address' })
  ADMIN_EMAIL?: string;

  @IsOptional()
  @Matches(/^[A-Za-z0-9._-]{3,64}$/, {
    message: 'ADMIN_USERNAME must be 3..64 of A-Z a-z 0-9 . _ -',
  })
  ADMIN_USERNAME?: string;

  @IsOptional()
  @IsString()
  @MinLength(15, { message: 'ADMIN_PASSWORD must be at least 15 characters' })
  @MaxLength(128)
  ADMIN_PASSWORD?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  RATE_LIMIT_PER_MINUTE?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  RATE_LIMIT_AUTH_PER_MINUTE?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  LOGIN_MAX_FAILURES?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  RATE_LIMIT_PER_MINUTE_ADMIN?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  RATE_LIMIT_PER_MINUTE_USER?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  RATE_LIMIT_PER_MINUTE_GUEST?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  RATE_LIMIT_FAILED_AUTH_PER_MINUTE?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  API_KEYS_MAX_PER_USER?: number;

  @IsOptional()
  @IsUrl(
    { protocols: ['redis', 'rediss'], require_tld: false, require_protocol: true },
    { message: 'REDIS_URL must be a redis:// or rediss:// URL' },
  )
  REDIS_URL?: string;

  @IsOptional()
  @Matches(/^(true|false|\d+|[0-9a-fA-F.:/]+(\s*,\s*[0-9a-fA-F.:/]+)*)$/, {
    message: 'TRUST_PROXY must be true, false, a hop count, or comma-separated IPs/CIDRs',
  })
  TRUST_PROXY?: string;

  @IsOptional()
  @IsString()
  CORS_ORIGINS?: string;

  @IsOptional()
  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL?: string;

  @IsOptional()
  @IsUrl(
    { protocols: ['http', 'https'], require_tld: false, require_protocol: true },
    { message: 'OTEL_EXPORTER_OTLP_ENDPOINT must be an http:// or https:// URL' },
  )
  OTEL_EXPORTER_OTLP_ENDPOINT?: string;

  @IsOptional()
  @IsString()
  @MaxLength(200)
  OTEL_SERVICE_NAME?: string;

  @IsOptional()
  @IsIn([
    'always_on',
    'always_off',
    'traceidratio',
    'parentbased_always_on',
    'parentbased_always_off',
    'parentbased_traceidratio',
  ])
  OTEL_TRACES_SAMPLER?: string;

  // A ratio for the traceidratio samplers.
  @IsOptional()
  @Matches(/^(0(\.\d+)?|1(\.0+)?)$/, {
    message: 'OTEL_TRACES_SAMPLER_ARG must be a number from 0 to 1',
  })
  OTEL_TRACES_SAMPLER_ARG?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(65535)
  METRICS_PORT?: number;

  @IsOptional()
  @IsString()
  @MinLength(16, { message: 'METRICS_TOKEN must be at least 16 characters' })
  METRICS_TOKEN?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  AUDIT_RETENTION_DAYS?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1024)
  BODY_LIMIT_BYTES?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  SHUTDOWN_TIMEOUT_MS?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  SHUTDOWN_DELAY_MS?: number;

  @IsOptional()
  @IsIn(['true', 'false'])
  AUDIT_READS?: string;

  @IsOptional()
  @IsIn(['true', 'false'])
  METRICS_ENABLED?: string;

  @IsOptional()
  @IsIn(['true', 'false'])
  DOCS_ENABLED?: string;

  @IsOptional()
  @IsString()
  @MinLength(16, { message: 'HEALTH_DETAIL_TOKEN must be at least 16 characters' })
  HEALTH_DETAIL_TOKEN?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(10000)
  BLOCKS_MAX_TITLE_LENGTH?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(64 * 1024 * 1024)
  BLOCKS_MAX_CONTENT_BYTES?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(1000)
  BLOCKS_MAX_TAGS?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1000)
  BLOCKS_MAX_TAG_LENGTH?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(2)
  @Max(16 * 1024 * 1024)
  BLOCKS_MAX_METADATA_BYTES?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1024)
  BLOCKS_IMPORT_MAX_BYTES?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(64)
  WORKERS_MAX_THREADS?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(10000)
  WORKERS_MAX_QUEUE?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(600000)
  WORKERS_TASK_TIMEOUT_MS?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(16)
  @Max(4096)
  WORKERS_MAX_MEMORY_MB?: number;

  @IsOptional()
  @IsString()
  TENANT_CONCURRENCY?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(10000)
  TENANT_CONCURRENCY_MAX?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(10000)
  INSTANCE_CONCURRENCY_MAX?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(30000)
  CONCURRENCY_WAIT_MS?: number;

  @IsOptional()
  @IsString()
  STATEMENT_TIMEOUTS_MS?: string;

  @IsOptional()
  @IsString()
  @MinLength(1)
  PDF_CHROMIUM_PATH?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1024)
  @Max(256 * 1024 * 1024)
  EXPORT_MAX_MARKDOWN_BYTES?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(600000)
  EXPORT_TIMEOUT_MS?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(32)
  EXPORT_PDF_MAX_CONCURRENCY?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(16)
  @Max(1_000_000)
  BODY_MAX_KEYS?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(600)
  @Max(10_000_000)
  BODY_MAX_ITEMS?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(16)
  @Max(100_000)
  QUERY_MAX_PARAMS?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1024)
  @Max(64 * 1024 * 1024)
  BLOCKS_DIFF_MAX_BYTES?: number;

  @IsOptional()
  @IsIn(['none', 'openai'], {
    message:
      'EMBEDDINGS_PROVIDER must be none or openai (any OpenAI-compatible /v1/embeddings server)',
  })
  EMBEDDINGS_PROVIDER?: string;

  @IsOptional()
  @IsUrl(
    { protocols: ['http', 'https'], require_tld: false, require_protocol: true },
    { message: 'EMBEDDINGS_URL must be an http(s) base URL such as http://ollama:11434/v1' },
  )
  EMBEDDINGS_URL?: string;

  @IsOptional()
  @Matches(/^[A-Za-z0-9._:/@+-]{1,200}$/, {
    message: 'EMBEDDINGS_MODEL must be 1..200 of A-Z a-z 0-9 . _ : / @ + -',
  })
  EMBEDDINGS_MODEL?: string;

  @IsOptional()
  @IsString()
  @MaxLength(4096)
  EMBEDDINGS_API_KEY?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(2)
  @Max(16000)
  EMBEDDINGS_DIMENSIONS?: number;

  @IsOptional()
  @IsIn(['true', 'false'], { message: 'EMBEDDINGS_REQUEST_DIMENSIONS must be true or false' })
  EMBEDDINGS_REQUEST_DIMENSIONS?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(256)
  EMBEDDINGS_BATCH_SIZE?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(300000)
  EMBEDDINGS_TIMEOUT_MS?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(5)
  EMBEDDINGS_RETRIES?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(50)
  @Max(3600000)
  EMBEDDINGS_POLL_INTERVAL_MS?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1000000)
  EMBEDDINGS_SCAN_MAX_VECTORS?: number;
}

import type { FairnessConfig } from './fairness-config';

/** The validated, typed configuration; the only place code reads settings from. */
export class AppConfig {
  readonly env!: 'development' | 'production' | 'test';
  readonly isProduction!: boolean;
  readonly port!: number;
  readonly host!: string;
  /** Unset means: start the embedded PostgreSQL. */
  readonly databaseUrl?: string;
  /** Absolute path. */
  readonly dataDir!: string;
  readonly jwtSecret!: string;
  readonly accessTokenTtlSeconds!: number;
  readonly refreshTokenTtlSeconds!: number;
  /** A used refresh token presented again within this many seconds gets the same successor (0..10; 0: always reuse). */
  readonly refreshReuseGraceSeconds!: number;
  readonly admin!: { email?: string; username?: string; password?: string };
  readonly rateLimit!: {
    perMinute: number;
    authPerMinute: number;
    loginMaxFailures: number;
    /** Per user of each role; an API key's own limit may not exceed its owner's role limit. */
    perRole: { admin: number; user: number; guest: number };
    /** Requests per IP per minute that fail authentication before the IP is refused outright. */
    failedAuthPerMinute: number;
  };
  readonly apiKeys!: { maxPerUser: number };
  /** Whether `/docs`, `/docs-json` and `/docs-yaml` are served (DOCS_ENABLED). */
  readonly docsEnabled!: boolean;
  /**
   * `GET /health` (every check in detail): open, or behind `HEALTH_DETAIL_TOKEN` (bearer). In
   * production without a token it is closed; the probes `/health/live` and `/health/ready` stay open.
   */
  readonly healthDetail!: { open: boolean; token?: string };
  readonly redisUrl?: string;
  /** Fastify's `trustProxy`: false, true, a hop count, or a list of IPs/CIDRs. */
  readonly trustProxy!: boolean | number | string[];
  /** `true` allows any origin; otherwise the exact list. */
  readonly corsOrigins!: true | string[];
  readonly logLevel!: string;
  /**
   * OpenTelemetry (OTEL_* variables): the SDK reads them itself before Nest starts; these are
   * validated here and shown at start-up.
   */
  readonly tracing!: { enabled: boolean; serviceName: string };
  readonly metrics!: { enabled: boolean; port?: number; token?: string };
  readonly audit!: { retentionDays: number; reads: boolean };
  readonly bodyLimitBytes!: number;
  readonly shutdownTimeoutMs!: number;
  /** Wait after readiness turns 503 before refusing connections (lets load balancers notice). */
  readonly shutdownDelayMs!: number;
  /** Limits on a block's fields and on an NDJSON import (BLOCKS_* variables). */
  readonly blocks!: {
    maxTitleLength: number;
    maxContentBytes: number;
    maxTags: number;
    maxTagLength: number;
    maxMetadataBytes: number;
    importMaxBytes: number;
    /** Largest content (UTF-8 bytes) of either side of a version compare. */
    diffMaxBytes: number;
  };
  /** The worker-thread pool for CPU-heavy work (WORKERS_* variables). */
  readonly workers!: {
    maxThreads: number;
    maxQueue: number;
    taskTimeoutMs: number;
    maxMemoryMb: number;
  };
  /** Per-tenant concurrency caps and statement timeouts of heavy operations. */
  readonly fairness!: FairnessConfig;
  /** Exports of assembled documents (EXPORT_* variables and PDF_CHROMIUM_PATH). */
  readonly exports!: {
    /** Unset: PDF export answers 501. */
    pdfChromiumPath?: string;
    maxMarkdownBytes: number;
    /** Budget of one conversion (worker task or PDF print). */
    timeoutMs: number;
    /** Pages printing at once in the one shared browser. */
    pdfMaxConcurrency: number;
  };
  /** Width bounds of untrusted input, checked before any transformer sees it. */
  readonly input!: {
    /** Keys per object in a JSON body or an import line. */
    maxObjectKeys: number;
    /** Items per array in a JSON body or an import line. */
    maxArrayItems: number;
    /** Parameters in a query string. */
    maxQueryParams: number;
  };
  /** The embedding provider and the re-embedding poller (EMBEDDINGS_* variables). */
  readonly embeddings!: EmbeddingsConfig;
}

/** `none`: no provider; `openai`: any OpenAI-compatible `/v1/embeddings` server. */
export interface EmbeddingsConfig {
  provider: 'none' | 'openai';
  /** Base URL that `/embeddings` is appended to, e.g. `http://ollama:11434/v1`. */
  url?: string;
  model?: string;
  /** A secret: never logged. */
  apiKey?: string;
  /** Length of every vector; a provider answer of another length is refused. */
  dimensions?: number;
  /** Send `dimensions` in each request (models that can shorten their vectors). */
  requestDimensions: boolean;
  batchSize: number;
  timeoutMs: number;
  retries: number;
  pollIntervalMs: number;
  /** Most vectors of one tenant an exact scan (no pgvector) reads. */
  scanMaxVectors: number;
}

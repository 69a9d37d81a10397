import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from './load-config';

const dataDir = () => mkdtempSync(join(tmpdir(), 'cb-config-'));

describe('loadConfig', () => {
  it('applies the documented defaults in development', () => {
    const config = loadConfig({ DATA_DIR: dataDir() });
    expect(config).toMatchObject({
      env: 'development',
      port: 3000,
      host: '0.0.0.0',
      accessTokenTtlSeconds: 900,
      refreshTokenTtlSeconds: 7 * 86400,
      rateLimit: { perMinute: 300, authPerMinute: 10, loginMaxFailures: 5 },
      trustProxy: false,
      corsOrigins: true,
      logLevel: 'info',
      audit: { retentionDays: 90, reads: true },
      bodyLimitBytes: 10 * 1024 * 1024,
    });
    expect(config.databaseUrl).toBeUndefined();
  });

  it('generates a development JWT secret once and keeps it in DATA_DIR', () => {
    const dir = dataDir();
    const first = loadConfig({ DATA_DIR: dir }).jwtSecret;
    expect(Buffer.byteLength(first)).toBeGreaterThanOrEqual(32);
    expect(readFileSync(join(dir, 'jwt-secret'), 'utf8')).toBe(first);
    expect(loadConfig({ DATA_DIR: dir }).jwtSecret).toBe(first);
  });

  it('parses numbers, durations, proxies and origins', () => {
    const config = loadConfig({
      DATA_DIR: dataDir(),
      PORT: '8080',
      ACCESS_TOKEN_TTL: '5m',
      REFRESH_TOKEN_TTL: '2d',
      TRUST_PROXY: '10.0.0.0/8, 127.0.0.1',
      CORS_ORIGINS: 'https://a.example, https://b.example',
      RATE_LIMIT_PER_MINUTE: '50',
    });
    expect(config.port).toBe(8080);
    expect(config.accessTokenTtlSeconds).toBe(300);
    expect(config.refreshTokenTtlSeconds).toBe(172800);
    expect(config.trustProxy).toEqual(['10.0.0.0/8', '127.0.0.1']);
    expect(config.corsOrigins).toEqual(['https://a.example', 'https://b.example']);
    expect(config.rateLimit.perMinute).toBe(50);
    expect(loadConfig({ DATA_DIR: dataDir(), TRUST_PROXY: '2' }).trustProxy).toBe(2);
  });

  it('names every bad variable in one error', () => {
    expect(() =>
      loadConfig({
        DATA_DIR: dataDir(),
        PORT: 'x',
        LOG_LEVEL: 'loud',
        DATABASE_URL: 'mysql://x',
        REDIS_URL: 'nope',
      }),
    ).toThrow(ConfigError);
    try {
      loadConfig({
        DATA_DIR: dataDir(),
        PORT: 'x',
        LOG_LEVEL: 'loud',
        DATABASE_URL: 'mysql://x',
        REDIS_URL: 'nope',
      });
    } catch (error) {
      const message = (error as Error).message;
      for (const name of ['PORT', 'LOG_LEVEL', 'DATABASE_URL', 'REDIS_URL'])
        expect(message).toContain(name);
    }
  });

  it('validates the OpenTelemetry variables: tracing is on only with an endpoint', () => {
    expect(loadConfig({ DATA_DIR: dataDir() }).tracing).toEqual({
      enabled: false,
      serviceName: 'content-blocks',
    });
    expect(
      loadConfig({
        DATA_DIR: dataDir(),
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318',
        OTEL_SERVICE_NAME: 'cb-eu',
        OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
        OTEL_TRACES_SAMPLER_ARG: '0.25',
      }).tracing,
    ).toEqual({ enabled: true, serviceName: 'cb-eu' });
    const bad = {
      DATA_DIR: dataDir(),
      OTEL_EXPORTER_OTLP_ENDPOINT: 'jaeger:4318',
      OTEL_TRACES_SAMPLER: 'sometimes',
      OTEL_TRACES_SAMPLER_ARG: '1.5',
    };
    expect(() => loadConfig(bad)).toThrow(
      /OTEL_EXPORTER_OTLP_ENDPOINT[\s\S]*OTEL_TRACES_SAMPLER[\s\S]*OTEL_TRACES_SAMPLER_ARG/,
    );
  });

  it('refuses production without an explicit JWT_SECRET of 32 bytes and a DATABASE_URL', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(
      /JWT_SECRET is required[\s\S]*DATABASE_URL is required/,
    );
    expect(() =>
      loadConfig({
        NODE_ENV: 'production',
        JWT_SECRET: 'short',
        DATABASE_URL: 'postgres://a:b@db:5432/x',
      }),
    ).toThrow(/JWT_SECRET must be at least 32 bytes/);
    const config = loadConfig({
      NODE_ENV: 'production',
      JWT_SECRET: 'p'.repeat(32),
      DATABASE_URL: 'postgres://a:b@db:5432/x',
    });
    expect(config.isProduction).toBe(true);
    expect(config.corsOrigins).toEqual([]);
  });

  it('treats empty strings as unset', () => {
    expect(loadConfig({ DATA_DIR: dataDir(), PORT: '', DATABASE_URL: '' }).port).toBe(3000);
  });

  it('has no embedding provider by default, and an openai one needs its URL, model and dimensions', () => {
    expect(loadConfig({ DATA_DIR: dataDir() }).embeddings).toMatchObject({
      provider: 'none',
      batchSize: 32,
      timeoutMs: 10_000,
      retries: 2,
      requestDimensions: false,
    });
    expect(() => loadConfig({ DATA_DIR: dataDir(), EMBEDDINGS_PROVIDER: 'openai' })).toThrow(
      /EMBEDDINGS_URL is required[\s\S]*EMBEDDINGS_MODEL is required[\s\S]*EMBEDDINGS_DIMENSIONS is required/,
    );
    const config = loadConfig({
      DATA_DIR: dataDir(),
      EMBEDDINGS_PROVIDER: 'openai',
      EMBEDDINGS_URL: 'http://ollama:11434/v1//',
      EMBEDDINGS_MODEL: 'nomic-embed-text',
      EMBEDDINGS_DIMENSIONS: '768',
    });
    expect(config.embeddings).toMatchObject({ url: 'http://ollama:11434/v1', dimensions: 768 });
    expect(() => loadConfig({ DATA_DIR: dataDir(), EMBEDDINGS_PROVIDER: 'cohere' })).toThrow(
      /EMBEDDINGS_PROVIDER must be none or openai/,
    );
  });

  it('reads per-class concurrency caps and statement timeouts over their defaults', () => {
    const config = loadConfig({
      DATA_DIR: dataDir(),
      TENANT_CONCURRENCY: 'search=1, export=3',
      TENANT_CONCURRENCY_MAX: '5',
      INSTANCE_CONCURRENCY_MAX: '9',
      CONCURRENCY_WAIT_MS: '0',
      STATEMENT_TIMEOUTS_MS: 'search=300',
    });
    expect(config.fairness).toEqual({
      tenantConcurrency: {
        search: 1,
        related: 1,
        export: 3,
        import: 2,
        bulk: 2,
        assemble: 2,
        render: 2,
        analyze: 2,
        embed: 2,
      },
      tenantMax: 5,
      instanceMax: 9,
      waitMs: 0,
      statementTimeoutsMs: {
        search: 300,
        related: 5000,
        bulk: 15000,
        import: 15000,
        export: 1_800_000,
        embed: 5000,
      },
    });
    expect(loadConfig({ DATA_DIR: dataDir() }).fairness).toMatchObject({
      tenantMax: 4,
      instanceMax: 14,
      waitMs: 2000,
    });
  });

  it('names a bad concurrency class or value', () => {
    expect(() =>
      loadConfig({
        DATA_DIR: dataDir(),
        TENANT_CONCURRENCY: 'searches=2,export=0',
        STATEMENT_TIMEOUTS_MS: 'search=5',
      }),
    ).toThrow(
      /TENANT_CONCURRENCY must be a comma-separated list[^\n]*"searches=2"[\s\S]*TENANT_CONCURRENCY: export must be between 1 and 10000[\s\S]*STATEMENT_TIMEOUTS_MS: search must be between 100/,
    );
  });
});

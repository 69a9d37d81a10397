import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { CacheMetrics, type IdentityCacheName } from './cache-metrics';

/** The app's buckets for request-scale durations, in seconds. */
export const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const QUERY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5];
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

function httpLabels(method: string, route: string, status: number) {
  return {
    method: METHODS.has(method) ? method : 'OTHER',
    route,
    status_class: `${Math.floor(status / 100)}xx`,
  };
}

/** A value read at scrape time; `undefined` means "no sample" (e.g. the table does not exist). */
export type GaugeSource = () => Promise<number | undefined> | number | undefined;

/** Block verbs come from `@AuditAction` names in code, never from requests; still bounded. */
const BLOCK_OPERATION = /^[a-z_]{1,32}$/;

/**
 * The app's registry, one per app instance (not prom-client's global one: tests run several apps
 * in one process, and each app's collectors must read its own pool), and the metrics no single
 * module owns: the HTTP series the response hook writes (with errors, 429s and auth attempts),
 * counters derived from audit actions, query time, identity caches and scrape-time gauges other
 * modules feed. A module's own metrics are providers of that module (`app*Provider`); the
 * process's default metrics are added by PrometheusModule (see MetricsModule).
 * Label values come from fixed sets or route templates: never raw paths, ids or user input.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  readonly httpRequests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by method, route template and status class',
    labelNames: ['method', 'route', 'status_class'] as const,
    registers: [this.registry],
  });
  readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration in seconds, by method, route template and status class',
    labelNames: ['method', 'route', 'status_class'] as const,
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  });
  readonly httpInFlight = new Gauge({
    name: 'http_requests_in_flight',
    help: 'HTTP requests being served right now',
    registers: [this.registry],
  });
  readonly authAttempts = new Counter({
    name: 'auth_attempts_total',
    help: 'Authentication attempts by method (password, refresh, jwt, api_key) and result',
    labelNames: ['method', 'result'] as const,
    registers: [this.registry],
  });
  readonly dbQueryDuration = new Histogram({
    name: 'db_query_duration_seconds',
    help: 'Duration of database queries issued through TypeORM, by result',
    labelNames: ['result'] as const,
    buckets: QUERY_BUCKETS,
    registers: [this.registry],
  });
  readonly blockOperations = new Counter({
    name: 'block_operations_total',
    help: 'Block operations by kind (create, read, update, delete, restore, bulk, import, export)',
    labelNames: ['operation'] as const,
    registers: [this.registry],
  });
  readonly searchQueries = new Counter({
    name: 'search_queries_total',
    help: 'Full-text block searches served',
    registers: [this.registry],
  });
  readonly searchDuration = new Histogram({
    name: 'search_duration_seconds',
    help: 'Duration of full-text block search requests in seconds',
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  });
  readonly rateLimitHits = new Counter({
    name: 'rate_limit_hits_total',
    help: 'Requests refused with 429, by limit scope (auth, ip, user, api_key)',
    labelNames: ['scope'] as const,
    registers: [this.registry],
  });
  readonly errors = new Counter({
    name: 'errors_total',
    help: 'Error responses by problem code',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });
  private readonly gaugeSources = new Map<string, GaugeSource>();

  constructor() {
    const sourced = (name: string, help: string): void => {
      const sources = this.gaugeSources;
      new Gauge({
        name,
        help,
        registers: [this.registry],
        async collect() {
          this.reset();
          const value = await sources.get(name)?.();
          if (value !== undefined) this.set(value);
        },
      });
    };
    sourced('audit_queue_depth', 'Audit entries waiting in the in-memory queue');
    sourced('auth_active_sessions', 'Sessions neither revoked nor expired');
    sourced('api_keys_total', 'API keys not revoked');
    sourced('blocks_total', 'Blocks not deleted');
  }

  /** Lets another module feed a gauge that is read at scrape time. */
  setGaugeSource(name: string, source: GaugeSource): void {
    this.gaugeSources.set(name, source);
  }

  /** Counts one HTTP response; `route` must be a route template or `unmatched`. */
  observeHttp(method: string, route: string, status: number, seconds: number): void {
    const labels = httpLabels(method, route, status);
    this.httpRequests.inc(labels);
    this.httpDuration.observe(labels, seconds);
  }

  /** The counter and histogram children of one series, for callers that cache them. */
  httpSeries(
    method: string,
    route: string,
    status: number,
  ): { inc(): void; observe(seconds: number): void } {
    const labels = httpLabels(method, route, status);
    const counter = this.httpRequests.labels(labels);
    const histogram = this.httpDuration.labels(labels);
    return { inc: () => counter.inc(), observe: (seconds) => histogram.observe(seconds) };
  }

  /**
   * Derives domain counters from an audit action as it is recorded, so the other modules need no
   * metrics code: `auth.login` → auth_attempts_total, `block.update` → block_operations_total, ...
   * `attempt` is set for the authentication actions that count as one.
   */
  observeAction(
    action: string,
    durationSeconds?: number,
    attempt?: { method: string; result: string },
  ): void {
    const dot = action.indexOf('.');
    const area = dot < 0 ? action : action.slice(0, dot);
    const verb = dot < 0 ? '' : action.slice(dot + 1);
    if (area === 'block' && BLOCK_OPERATION.test(verb)) {
      this.blockOperations.inc({ operation: verb });
    } else if (action === 'search.query') {
      this.searchQueries.inc();
      if (durationSeconds !== undefined) this.searchDuration.observe(durationSeconds);
    } else if (attempt) {
      this.authAttempts.inc(attempt);
    }
  }

  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  readonly identityCacheLookups = new Counter({
    name: 'identity_cache_lookups_total',
    help: 'Lookups of the in-memory identity caches (sessions, users, api_keys) by result (hit, miss)',
    labelNames: ['cache', 'result'] as const,
    registers: [this.registry],
  });
  readonly identityCacheEvictions = new Counter({
    name: 'identity_cache_evictions_total',
    help: 'Entries the identity caches dropped to stay within their size bound',
    labelNames: ['cache'] as const,
    registers: [this.registry],
  });
  private readonly identityCacheSizes = new Map<IdentityCacheName, () => number>();
  readonly identityCacheEntries = new Gauge({
    name: 'identity_cache_entries',
    help: 'Entries held by each identity cache, read at scrape time',
    labelNames: ['cache'] as const,
    registers: [this.registry],
    collect: () => {
      for (const [cache, size] of this.identityCacheSizes)
        this.identityCacheEntries.set({ cache }, size());
    },
  });

  /** Meters one identity cache; `size` is read at scrape time only. */
  identityCache(cache: IdentityCacheName, size: () => number): CacheMetrics {
    this.identityCacheSizes.set(cache, size);
    return new CacheMetrics(this.identityCacheLookups, this.identityCacheEvictions, cache);
  }
}

import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { codeForStatus, routeTemplate } from '@app/common';
import { AppConfig } from '@app/config';
import { MetricsService } from './metrics.service';

const IN_FLIGHT = Symbol('metrics.inFlight');

type CountedRequest = FastifyRequest & { [IN_FLIGHT]?: bigint };

/** One method × route × status-class series: counter and histogram children bound once. */
interface HttpSeries {
  inc(): void;
  observe(seconds: number): void;
}

// Route templates, Node's fixed set of methods and five status classes keep this small; the cap
// only guards against a surprise (past it, series are looked up per request as before).
const MAX_SERIES = 2_000;

/**
 * HTTP metrics in Fastify hooks (a Nest interceptor would cost ~40 % of a hello route): one
 * counter and one histogram observation per response, labelled by route template, plus the
 * refusals and errors derived from the status. METRICS_ENABLED=false leaves them out entirely.
 */
@Injectable()
export class MetricsHttpHooks implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly metrics: MetricsService,
    private readonly config: AppConfig,
  ) {}

  private readonly series = new Map<string, HttpSeries>();

  onModuleInit(): void {
    if (!this.config.metrics.enabled) return;
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify) return;
    const m = this.metrics;
    fastify.addHook('onRequest', (request, _reply, done) => {
      (request as CountedRequest)[IN_FLIGHT] = process.hrtime.bigint();
      m.httpInFlight.inc();
      done();
    });
    fastify.addHook('onRequestAbort', (request, done) => {
      this.finish(request);
      done();
    });
    fastify.addHook('onResponse', (request, reply, done) => {
      const started = this.finish(request);
      if (started !== undefined) {
        const status = reply.statusCode;
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        this.observeHttp(request.method, routeTemplate(request), status, seconds);
        if (status >= 400) this.observeRefusal(request, status);
        else if (request.context?.principal) {
          m.authAttempts.inc({ method: credentialMethod(request), result: 'success' });
        }
      }
      done();
    });
  }

  /** Builds no label object per response: the series' children are bound on first use. */
  private observeHttp(method: string, route: string, status: number, seconds: number): void {
    const key = `${method} ${status} ${route}`;
    let series = this.series.get(key);
    if (!series) {
      if (this.series.size >= MAX_SERIES) {
        this.metrics.observeHttp(method, route, status, seconds);
        return;
      }
      series = this.metrics.httpSeries(method, route, status);
      this.series.set(key, series);
    }
    series.inc();
    series.observe(seconds);
  }

  /** Decrements the in-flight gauge once per request, whichever hook comes first. */
  private finish(request: CountedRequest): bigint | undefined {
    const started = request[IN_FLIGHT];
    if (started === undefined) return undefined;
    request[IN_FLIGHT] = undefined;
    this.metrics.httpInFlight.dec();
    return started;
  }

  private observeRefusal(request: FastifyRequest, status: number): void {
    this.metrics.errors.inc({ code: codeForStatus(status) });
    if (status === 429) {
      this.metrics.rateLimitHits.inc({ scope: rateLimitScope(request) });
    } else if (status === 401) {
      const method = credentialMethod(request);
      if (method !== 'none') this.metrics.authAttempts.inc({ method, result: 'failure' });
    } else if (request.context?.principal) {
      this.metrics.authAttempts.inc({ method: credentialMethod(request), result: 'success' });
    }
  }
}

/** Which credential a request carried: `jwt`, `api_key` or `none` (fixed label values). */
function credentialMethod(request: FastifyRequest): string {
  const principal = request.context?.principal;
  if (principal) return principal.method === 'api-key' ? 'api_key' : 'jwt';
  if (request.headers['x-api-key']) return 'api_key';
  if (request.headers.authorization) return 'jwt';
  return 'none';
}

function rateLimitScope(request: FastifyRequest): string {
  const principal = request.context?.principal;
  if (principal) return principal.method === 'api-key' ? 'api_key' : 'user';
  return routeTemplate(request).startsWith('/api/auth/') ? 'auth' : 'ip';
}

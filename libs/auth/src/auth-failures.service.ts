import { type BeforeApplicationShutdown, Injectable, type OnModuleInit } from '@nestjs/common';
import type { Counter } from 'prom-client';
import { type AuditActionName, AuditService } from '@app/audit';
import type { RequestStore } from '@app/common';
import { AppConfig } from '@app/config';
import { InjectMetric, MetricsService, appCounterProvider } from '@app/metrics';
import { RateLimitStorage } from './rate-limit.storage';

const WINDOW_MS = 60_000;
/** Distinct IPs remembered per window; past it, the rest are summed under one `*` entry. */
const MAX_TRACKED_IPS = 10_000;

export type AuthFailureReason = 'missing' | 'invalid_token' | 'invalid_api_key' | 'throttled';

/** The aggregate entry of each kind of refusal, and what its `error` says about the count. */
const AGGREGATES = {
  'auth.token_rejected': 'more requests refused for missing or invalid credentials or as throttled',
  'auth.refresh_failed': 'more refreshes refused for an unknown, expired or revoked refresh token',
} as const satisfies Partial<Record<AuditActionName, string>>;
type AggregateAction = keyof typeof AGGREGATES;

/** `auth_rejections_total`, provided by the auth module. */
export const AUTH_REJECTIONS = appCounterProvider({
  name: 'auth_rejections_total',
  help: 'Requests refused before authentication succeeded, by reason (missing, invalid_token, invalid_api_key, throttled)',
  labelNames: ['reason'],
});

/**
 * Requests refused before authentication succeeded, per IP: counted (one shared counter per IP
 * per minute in the rate-limit storage, and `auth_rejections_total`), an IP past
 * RATE_LIMIT_FAILED_AUTH_PER_MINUTE is refused before any credential is looked at, and the
 * audit trail gets the first refusal of an IP in a window as its own entry, then one
 * `auth.token_rejected` entry with the count of the rest, not one row per request. Failed
 * refreshes are counted and audited the same way (`auth.refresh_failed`), apart from the
 * credentials: an IP guessing refresh tokens is held back by the auth rate limit instead.
 */
@Injectable()
export class AuthFailuresService implements OnModuleInit, BeforeApplicationShutdown {
  /** IP → when its refusal ends (epoch ms); read synchronously on every guarded request. */
  private readonly blocked = new Map<string, number>();
  /** Per aggregate action, IP → refusals not yet audited one by one, since the last flush. */
  private readonly pending = new Map<AggregateAction, Map<string, number>>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly storage: RateLimitStorage,
    private readonly config: AppConfig,
    private readonly audit: AuditService,
    private readonly metrics: MetricsService,
    @InjectMetric('auth_rejections_total') private readonly rejections: Counter<'reason'>,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => this.flush(), WINDOW_MS);
    this.timer.unref();
  }

  /** Before shutdown, not at it: the audit queue's last drain must still see these entries. */
  beforeApplicationShutdown(): void {
    clearInterval(this.timer);
    this.flush();
  }

  /** Seconds this IP must still wait, or 0; no I/O, so a refused flood costs next to nothing. */
  retryAfter(ip: string): number {
    const until = this.blocked.get(ip);
    if (until === undefined) return 0;
    const left = until - Date.now();
    if (left > 0) return Math.ceil(left / 1000);
    this.blocked.delete(ip);
    return 0;
  }

  /** A request refused early because its IP is over the limit. */
  throttled(ip: string, store: RequestStore | undefined): void {
    this.rejections.inc({ reason: 'throttled' });
    this.aggregate('auth.token_rejected', ip, store);
  }

  /** A request whose credentials were missing or wrong (a 401 from the guard). */
  async failed(ip: string, reason: AuthFailureReason, store: RequestStore | undefined) {
    this.rejections.inc({ reason });
    const { count, ttlMs } = await this.storage.incrWindow(`authfail:ip:${ip}`, WINDOW_MS);
    if (count >= this.config.rateLimit.failedAuthPerMinute && this.blocked.size < MAX_TRACKED_IPS) {
      this.blocked.set(ip, Date.now() + ttlMs);
    }
    // The first refusal of a window keeps its own entry (with its request id).
    if (count > 1) this.aggregate('auth.token_rejected', ip, store);
  }

  /**
   * A refresh refused for an unknown, expired or revoked token (reuse has its own critical
   * entry). Counted as a failed refresh attempt each time, so the brute-force alert sees it.
   */
  async refreshFailed(ip: string, store: RequestStore | undefined): Promise<void> {
    this.metrics.authAttempts.inc({ method: 'refresh', result: 'failure' });
    const { count } = await this.storage.incrWindow(`refreshfail:ip:${ip}`, WINDOW_MS);
    if (count > 1) {
      this.aggregate('auth.refresh_failed', ip, store);
      return;
    }
    this.audit.enqueue({
      action: 'auth.refresh_failed',
      resourceType: 'ip',
      resourceId: ip,
      severity: 'warning',
      statusCode: 401,
      error: 'INVALID_REFRESH_TOKEN',
    });
  }

  /** Writes one aggregate entry per action and IP with what was counted since the last flush. */
  flush(): void {
    const now = Date.now();
    for (const [ip, until] of this.blocked) if (until <= now) this.blocked.delete(ip);
    for (const [action, byIp] of this.pending) {
      for (const [ip, count] of byIp) {
        this.audit.enqueue({
          action,
          resourceType: 'ip',
          resourceId: ip,
          severity: 'warning',
          statusCode: 401,
          actor: { userId: null, username: null },
          error: `${count} ${AGGREGATES[action]}`,
        });
      }
    }
    this.pending.clear();
  }

  private aggregate(action: AggregateAction, ip: string, store: RequestStore | undefined): void {
    // This request's refusal is part of the aggregate: no entry of its own.
    this.audit.coveredByAggregate(store);
    let byIp = this.pending.get(action);
    if (!byIp) this.pending.set(action, (byIp = new Map<string, number>()));
    const key = byIp.has(ip) || byIp.size < MAX_TRACKED_IPS ? ip : '*';
    byIp.set(key, (byIp.get(key) ?? 0) + 1);
  }
}

import { Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { Counter } from 'prom-client';
import { AuditService } from '@app/audit';
import type { RequestStore } from '@app/common';
import { AppConfig } from '@app/config';
import { MetricsService } from '@app/metrics';
import { RateLimitStorage } from './rate-limit.storage';

const WINDOW_MS = 60_000;
/** Distinct IPs remembered per window; past it, the rest are summed under one `*` entry. */
const MAX_TRACKED_IPS = 10_000;

export type AuthFailureReason = 'missing' | 'invalid_token' | 'invalid_api_key' | 'throttled';

/**
 * Requests refused before authentication succeeded, per IP: counted (one shared counter per IP
 * per minute in the rate-limit storage, and `auth_rejections_total`), an IP past
 * RATE_LIMIT_FAILED_AUTH_PER_MINUTE is refused before any credential is looked at, and the
 * audit trail gets the first refusal of an IP in a window as its own entry, then one
 * `auth.token_rejected` entry with the count of the rest, not one row per request.
 */
@Injectable()
export class AuthFailuresService implements OnModuleInit, OnApplicationShutdown {
  /** IP → when its refusal ends (epoch ms); read synchronously on every guarded request. */
  private readonly blocked = new Map<string, number>();
  /** IP → refusals not yet audited one by one, since the last flush. */
  private readonly pending = new Map<string, number>();
  private readonly rejections: Counter<'reason'>;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly storage: RateLimitStorage,
    private readonly config: AppConfig,
    private readonly audit: AuditService,
    metrics: MetricsService,
  ) {
    this.rejections = new Counter({
      name: 'auth_rejections_total',
      help: 'Requests refused before authentication succeeded, by reason (missing, invalid_token, invalid_api_key, throttled)',
      labelNames: ['reason'] as const,
      registers: [metrics.registry],
    });
  }

  onModuleInit(): void {
    this.timer = setInterval(() => this.flush(), WINDOW_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
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
    this.aggregate(ip, store);
  }

  /** A request whose credentials were missing or wrong (a 401 from the guard). */
  async failed(ip: string, reason: AuthFailureReason, store: RequestStore | undefined) {
    this.rejections.inc({ reason });
    const { count, ttlMs } = await this.storage.incrWindow(`authfail:ip:${ip}`, WINDOW_MS);
    if (count >= this.config.rateLimit.failedAuthPerMinute && this.blocked.size < MAX_TRACKED_IPS) {
      this.blocked.set(ip, Date.now() + ttlMs);
    }
    // The first refusal of a window keeps its own entry (with its request id).
    if (count > 1) this.aggregate(ip, store);
  }

  /** Writes one `auth.token_rejected` entry per IP with what was counted since the last flush. */
  flush(): void {
    const now = Date.now();
    for (const [ip, until] of this.blocked) if (until <= now) this.blocked.delete(ip);
    for (const [ip, count] of this.pending) {
      this.audit.enqueue({
        action: 'auth.token_rejected',
        resourceType: 'ip',
        resourceId: ip,
        severity: 'warning',
        statusCode: 401,
        actor: { userId: null, username: null },
        error: `${count} more requests refused for missing or invalid credentials or as throttled`,
      });
    }
    this.pending.clear();
  }

  private aggregate(ip: string, store: RequestStore | undefined): void {
    // This request's refusal is part of the aggregate: no entry of its own.
    if (store) store.auditRecorded = true;
    const key = this.pending.has(ip) || this.pending.size < MAX_TRACKED_IPS ? ip : '*';
    this.pending.set(key, (this.pending.get(key) ?? 0) + 1);
  }
}

import { type BeforeApplicationShutdown, Injectable, type OnModuleInit } from '@nestjs/common';
import type { RequestStore } from '@app/common';
import { AuditService } from './audit.service';

const WINDOW_MS = 60_000;
/** Callers remembered per window; past it, a refusal of a new caller keeps its own entry. */
const MAX_TRACKED = 10_000;

interface Refused {
  /** The first refusal of the window: who, where from, which route (its own entry was written). */
  first: RequestStore;
  resourceType: string | null;
  /** Refusals after the first, not yet written. */
  more: number;
}

/**
 * 429 refusals (rate limit, tenant or instance busy) per caller and route, per window: the first
 * of a window keeps its own entry, the rest are written as one `ratelimit.exceeded` entry with
 * their count. A tenant hammering a capped route at thousands of requests a second would
 * otherwise add as many audit rows, each hashed into its chain: measured, that alone doubled
 * another tenant's read p99 under the fairness flood.
 */
@Injectable()
export class AuditRefusals implements OnModuleInit, BeforeApplicationShutdown {
  private readonly windows = new Map<string, Refused>();
  private timer?: NodeJS.Timeout;

  constructor(private readonly audit: AuditService) {}

  onModuleInit(): void {
    this.timer = setInterval(() => this.flush(), WINDOW_MS);
    this.timer.unref();
  }

  /** Before shutdown, not at it: the audit queue's last drain must still see these entries. */
  beforeApplicationShutdown(): void {
    clearInterval(this.timer);
    this.flush();
  }

  /**
   * Whether this refusal is counted into its window's aggregate (true: write no entry for it),
   * or is the first of its window (false: the caller writes its entry as usual).
   */
  absorb(store: RequestStore, resourceType: string | null): boolean {
    const key = callerKey(store);
    const window = this.windows.get(key);
    if (window) {
      window.more += 1;
      return true;
    }
    if (this.windows.size < MAX_TRACKED) {
      this.windows.set(key, { first: store, resourceType, more: 0 });
    }
    return false;
  }

  /** Writes one entry per caller and route with the refusals counted since the last flush. */
  flush(): void {
    for (const { first, resourceType, more } of this.windows.values()) {
      if (more === 0) continue;
      // The aggregate is nobody's request: no request id, user agent or duration of its own.
      const store: RequestStore = { ...first, requestId: '', userAgent: null };
      this.audit.enqueueForRequest(
        {
          action: 'ratelimit.exceeded',
          resourceType,
          severity: 'warning',
          error: `${more} more requests refused with 429 on this route since the last entry`,
        },
        store,
        429,
      );
    }
    this.windows.clear();
  }
}

/** Authenticated callers by tenant, user and API key; anonymous ones by IP; then the route. */
function callerKey(store: RequestStore): string {
  const p = store.principal;
  const who = p ? `${p.tenantId}|${p.userId}|${p.apiKeyId ?? ''}` : `ip|${store.ip}`;
  return `${who}|${store.method}|${store.route ?? ''}`;
}

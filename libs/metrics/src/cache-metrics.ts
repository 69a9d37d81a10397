import type { Counter } from 'prom-client';

/** The in-memory identity caches every authenticated request reads. */
export type IdentityCacheName = 'sessions' | 'users' | 'api_keys';

/**
 * The meter of one identity cache. Label children are bound once, so a lookup costs one
 * increment on the request path, not a label-map lookup.
 */
export class CacheMetrics {
  private readonly hits;
  private readonly misses;
  private readonly evictions;

  constructor(
    lookups: Counter<'cache' | 'result'>,
    evictions: Counter<'cache'>,
    cache: IdentityCacheName,
  ) {
    this.hits = lookups.labels({ cache, result: 'hit' });
    this.misses = lookups.labels({ cache, result: 'miss' });
    this.evictions = evictions.labels({ cache });
  }

  /** A hit is served from memory; a miss reads the database (absent, expired, or NOTIFY down). */
  lookup(hit: boolean): void {
    (hit ? this.hits : this.misses).inc();
  }

  /** Entries dropped to keep the cache bounded (not invalidations, which are correctness). */
  evicted(count: number): void {
    if (count > 0) this.evictions.inc(count);
  }
}

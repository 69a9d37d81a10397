/** What the cache needs of the cross-replica notifications (PgNotifications fits it). */
export interface InvalidationFeed {
  /** False while the listener is down: an invalidation may be missed, so nothing is trusted. */
  readonly isLive: boolean;
  /** Runs after a reconnect, when notifications may have been lost. */
  onReset(handler: () => void): void;
}

/** Counts hits, misses and evictions (the metrics module's CacheMetrics fits it). */
export interface CacheMeter {
  lookup(hit: boolean): void;
  evicted(count: number): void;
}

export interface IdentityCacheOptions {
  ttlMs: number;
  /** How long an absent key is remembered; default `ttlMs`. */
  missTtlMs?: number;
  /** Entries kept at most; past it the cache is emptied (cheaper than LRU work on each hit). */
  max?: number;
}

/** One bound for every identity cache: ~100 000 small entries is a few tens of MB at most. */
export const IDENTITY_CACHE_MAX = 100_000;

/**
 * Identity state (sessions, users, API keys) kept briefly in memory for the checks every
 * authenticated request makes. Entries are dropped by the owner on NOTIFY from any replica;
 * while the feed is down nothing is served from memory, and on reconnect everything is dropped.
 */
export class IdentityCache<V> {
  private readonly entries = new Map<string, { value: V | null; until: number }>();
  private readonly max: number;
  meter?: CacheMeter;

  constructor(
    private readonly feed: InvalidationFeed,
    private readonly options: IdentityCacheOptions,
  ) {
    this.max = options.max ?? IDENTITY_CACHE_MAX;
    feed.onReset(() => this.entries.clear());
  }

  get size(): number {
    return this.entries.size;
  }

  /** The cached value (null: known absent), else `load`'s answer, remembered. */
  async get(key: string, load: (key: string) => Promise<V | null>): Promise<V | null> {
    const now = Date.now();
    const cached = this.entries.get(key);
    const fresh = cached !== undefined && cached.until > now && this.feed.isLive;
    this.meter?.lookup(fresh);
    if (fresh) return cached.value;
    const value = await load(key);
    if (this.entries.size > this.max) {
      this.meter?.evicted(this.entries.size);
      this.entries.clear();
    }
    const ttl =
      value === null ? (this.options.missTtlMs ?? this.options.ttlMs) : this.options.ttlMs;
    this.entries.set(key, { value, until: now + ttl });
    return value;
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  /** Drops every cached value `match` picks (all sessions or keys of one user). */
  deleteWhere(match: (value: V) => boolean): void {
    for (const [key, entry] of this.entries) {
      if (entry.value !== null && match(entry.value)) this.entries.delete(key);
    }
  }

  clear(): void {
    this.entries.clear();
  }
}

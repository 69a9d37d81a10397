import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import { Redis } from 'ioredis';
import { LOGGER, type Logger } from '@app/common';
import { AppConfig } from '@app/config';

// Not exported by @nestjs/throttler's index.
type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/** One fixed-window count: how many hits so far and how long until the window resets. */
export interface WindowCount {
  count: number;
  ttlMs: number;
}

/**
 * INCR and PEXPIRE in one atomic script: concurrent requests on any number of replicas each get
 * a distinct count, so no more than `limit` of them pass. A key left without expiry (never
 * expected) gets one.
 */
const INCR_WINDOW = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local t = redis.call('PTTL', KEYS[1])
if t < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); t = tonumber(ARGV[1]) end
return {n, t}`;

type RedisWithWindow = Redis & {
  incrWindow(key: string, ttlMs: number): Promise<[number, number]>;
};

/**
 * Rate-limit counters (for @nestjs/throttler and the login lockout): in Redis when REDIS_URL is
 * set, in process memory otherwise. When Redis is unreachable it falls back to the in-memory
 * counters of this process (limits stay enforced, per replica, never a 500) and returns to Redis
 * as soon as it answers again.
 */
@Injectable()
export class RateLimitStorage implements ThrottlerStorage, OnModuleInit, OnModuleDestroy {
  private readonly memory = new Map<string, { count: number; expiresAt: number }>();
  private redis?: RedisWithWindow;
  private lastWarning = 0;
  private sweep?: NodeJS.Timeout;
  private closing = false;

  constructor(
    private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onModuleInit(): Promise<void> {
    this.sweep = setInterval(() => this.evict(), 30_000);
    this.sweep.unref();
    if (!this.config.redisUrl) return;
    const redis = new Redis(this.config.redisUrl, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: 2_000,
      commandTimeout: 500,
      keyPrefix: 'cb:rl:',
      // null stops reconnecting; a connect attempt in flight at shutdown would otherwise re-arm it.
      retryStrategy: (times) => (this.closing ? null : Math.min(times * 200, 2_000)),
    }) as RedisWithWindow;
    redis.defineCommand('incrWindow', { numberOfKeys: 1, lua: INCR_WINDOW });
    redis.on('error', (error) => this.warn(error));
    this.redis = redis;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 2_000);
      redis.once('ready', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  async onModuleDestroy(): Promise<void> {
    this.closing = true;
    clearInterval(this.sweep);
    this.redis?.disconnect();
  }

  /** Where counters live right now. */
  get backend(): 'redis' | 'memory' {
    return this.redis?.status === 'ready' ? 'redis' : 'memory';
  }

  /**
   * @nestjs/throttler's contract: a fixed window of `ttl` ms, blocked past `limit`. Every
   * request comes through here: the in-memory path settles at once, without async layers.
   */
  increment(
    key: string,
    ttl: number,
    limit: number,
    _blockDuration: number,
    _throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    if (this.redis?.status === 'ready') {
      return this.incrWindow(key, ttl).then((window) => throttlerRecord(window, limit));
    }
    return Promise.resolve(throttlerRecord(this.memoryIncr(key, ttl), limit));
  }

  async incrWindow(key: string, ttlMs: number): Promise<WindowCount> {
    if (this.redis?.status === 'ready') {
      try {
        const [count, ttl] = await this.redis.incrWindow(key, ttlMs);
        return { count, ttlMs: ttl };
      } catch (error) {
        this.warn(error);
      }
    }
    return this.memoryIncr(key, ttlMs);
  }

  /** Milliseconds until `key` expires; 0 when it does not exist. */
  async pttl(key: string): Promise<number> {
    if (this.redis?.status === 'ready') {
      try {
        return Math.max(0, await this.redis.pttl(key));
      } catch (error) {
        this.warn(error);
      }
    }
    const entry = this.memory.get(key);
    return entry ? Math.max(0, entry.expiresAt - Date.now()) : 0;
  }

  async set(key: string, ttlMs: number): Promise<void> {
    this.memory.set(key, { count: 1, expiresAt: Date.now() + ttlMs });
    if (this.redis?.status === 'ready') {
      try {
        await this.redis.set(key, '1', 'PX', ttlMs);
      } catch (error) {
        this.warn(error);
      }
    }
  }

  /**
   * Sets `key` only when it does not exist (Redis `SET NX PX`): true for the one caller that set
   * it, so of many concurrent callers exactly one wins.
   */
  async setIfAbsent(key: string, ttlMs: number): Promise<boolean> {
    if (this.redis?.status === 'ready') {
      try {
        return (await this.redis.set(key, '1', 'PX', ttlMs, 'NX')) === 'OK';
      } catch (error) {
        this.warn(error);
      }
    }
    const now = Date.now();
    const entry = this.memory.get(key);
    if (entry && entry.expiresAt > now) return false;
    this.memory.set(key, { count: 1, expiresAt: now + ttlMs });
    return true;
  }

  async del(...keys: string[]): Promise<void> {
    for (const key of keys) this.memory.delete(key);
    if (this.redis?.status === 'ready') {
      try {
        await this.redis.del(...keys);
      } catch (error) {
        this.warn(error);
      }
    }
  }

  private memoryIncr(key: string, ttlMs: number): WindowCount {
    const now = Date.now();
    let entry = this.memory.get(key);
    if (!entry || entry.expiresAt <= now) {
      entry = { count: 0, expiresAt: now + ttlMs };
      this.memory.set(key, entry);
    }
    entry.count += 1;
    return { count: entry.count, ttlMs: entry.expiresAt - now };
  }

  private evict(): void {
    const now = Date.now();
    for (const [key, entry] of this.memory) if (entry.expiresAt <= now) this.memory.delete(key);
  }

  private warn(error: unknown): void {
    const now = Date.now();
    if (now - this.lastWarning < 10_000) return;
    this.lastWarning = now;
    this.logger.warn(
      { err: error },
      'Redis is unreachable: rate limits use this process memory until it answers',
    );
  }
}

function throttlerRecord({ count, ttlMs }: WindowCount, limit: number): ThrottlerStorageRecord {
  const seconds = Math.max(1, Math.ceil(ttlMs / 1000));
  return {
    totalHits: count,
    timeToExpire: seconds,
    isBlocked: count > limit,
    timeToBlockExpire: seconds,
  };
}

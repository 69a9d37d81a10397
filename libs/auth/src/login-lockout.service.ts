import { Injectable } from '@nestjs/common';
import { AuditService } from '@app/audit';
import { AppConfig } from '@app/config';
import { AuthErrorCode, AuthException } from './auth.exception';
import { RateLimitStorage } from './rate-limit.storage';

const FAILURE_WINDOW_MS = 60 * 60 * 1000;
const BASE_LOCK_MS = 30_000;
const MAX_LOCK_MS = 15 * 60 * 1000;

/**
 * Per-account lockout: after LOGIN_MAX_FAILURES failures within an hour the account is locked
 * for 30 s, doubling with each further failure up to 15 min (429 with `Retry-After`). Counted in
 * the rate-limit storage (Redis when configured), keyed by the user id, or by the login text for
 * accounts that do not exist, so a lock says nothing about whether an account exists.
 */
@Injectable()
export class LoginLockoutService {
  constructor(
    private readonly storage: RateLimitStorage,
    private readonly config: AppConfig,
    private readonly audit: AuditService,
  ) {}

  accountKey(userId: string | null, login: string): string {
    return userId ? `user:${userId}` : `login:${login.trim().toLowerCase().slice(0, 256)}`;
  }

  async assertNotLocked(account: string): Promise<void> {
    const ttl = await this.storage.pttl(`lock:${account}`);
    if (ttl > 0) {
      throw new AuthException(AuthErrorCode.ACCOUNT_LOCKED, undefined, {
        'retry-after': String(Math.ceil(ttl / 1000)),
      });
    }
  }

  async recordFailure(account: string, context: { userId: string | null; tenantId?: string }) {
    const { count } = await this.storage.incrWindow(`fail:${account}`, FAILURE_WINDOW_MS);
    const max = this.config.rateLimit.loginMaxFailures;
    if (count < max) return;
    const lockMs = Math.min(BASE_LOCK_MS * 2 ** (count - max), MAX_LOCK_MS);
    await this.storage.set(`lock:${account}`, lockMs);
    this.audit.enqueue({
      action: 'auth.lockout',
      resourceType: 'user',
      resourceId: context.userId,
      severity: 'critical',
      statusCode: 429,
      tenantId: context.tenantId,
      actor: { userId: context.userId, username: null },
      error: `locked for ${Math.ceil(lockMs / 1000)} s after ${count} failed logins`,
    });
  }

  async reset(account: string): Promise<void> {
    await this.storage.del(`fail:${account}`, `lock:${account}`);
  }
}

import { Injectable } from '@nestjs/common';
import { AuditService } from '@app/audit';
import { AppConfig } from '@app/config';
import { AuthErrorCode, AuthException } from './auth.exception';
import { RateLimitStorage } from './rate-limit.storage';

const FAILURE_WINDOW_MS = 60 * 60 * 1000;
const BASE_LOCK_MS = 30_000;
const MAX_LOCK_MS = 15 * 60 * 1000;

/** One password check that was allowed to run: its place in the account's count. */
export interface LoginAttempt {
  account: string;
  number: number;
}

/**
 * Per-account lockout: after LOGIN_MAX_FAILURES failures within an hour the account is locked
 * for 30 s, doubling with each further failure up to 15 min (429 with `Retry-After`). Counted in
 * the rate-limit storage (Redis when configured), keyed by the user id, or by the login text for
 * accounts that do not exist, so a lock says nothing about whether an account exists.
 *
 * Each attempt is counted before its password is checked (one atomic increment), and from the
 * LOGIN_MAX_FAILURES-th on an attempt runs only if it is the one that sets the lock (`SET NX`):
 * however many guesses arrive at once, at most LOGIN_MAX_FAILURES of them are checked.
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

  /** Claims the right to check one password, or answers 429 while the account is locked. */
  async begin(account: string): Promise<LoginAttempt> {
    await this.assertNotLocked(account);
    const { count } = await this.storage.incrWindow(`fail:${account}`, FAILURE_WINDOW_MS);
    const max = this.config.rateLimit.loginMaxFailures;
    if (count >= max && !(await this.storage.setIfAbsent(`lock:${account}`, lockMs(count, max)))) {
      await this.assertNotLocked(account);
      // The lock ended between the two reads: still refuse, this attempt did not win it.
      throw locked(1);
    }
    return { account, number: count };
  }

  /** A wrong password: the attempt stays counted; the lock it set (if any) stays and is audited. */
  failed(attempt: LoginAttempt, context: { userId: string | null; tenantId?: string }): void {
    const max = this.config.rateLimit.loginMaxFailures;
    if (attempt.number < max) return;
    this.audit.enqueue({
      action: 'auth.lockout',
      resourceType: 'user',
      resourceId: context.userId,
      severity: 'critical',
      statusCode: 429,
      tenantId: context.tenantId,
      actor: { userId: context.userId, username: null },
      error: `locked for ${Math.ceil(lockMs(attempt.number, max) / 1000)} s after ${attempt.number} failed attempts`,
    });
  }

  /** The right password: the count and any lock end. */
  async succeeded(attempt: LoginAttempt): Promise<void> {
    await this.storage.del(`fail:${attempt.account}`, `lock:${attempt.account}`);
  }

  private async assertNotLocked(account: string): Promise<void> {
    const ttl = await this.storage.pttl(`lock:${account}`);
    if (ttl > 0) throw locked(Math.ceil(ttl / 1000));
  }
}

function lockMs(count: number, max: number): number {
  return Math.min(BASE_LOCK_MS * 2 ** (count - max), MAX_LOCK_MS);
}

function locked(retryAfterSeconds: number): AuthException {
  return new AuthException(AuthErrorCode.ACCOUNT_LOCKED, undefined, {
    'retry-after': String(retryAfterSeconds),
  });
}

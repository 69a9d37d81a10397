import type { FairnessConfig, OperationClass } from '@app/config';
import { FairnessErrorCode, FairnessException } from './fairness.exception';
import { isQueryCancelled } from '../errors/pg-error';

/** Which cap refused an operation: the tenant's own, or the instance's shared one. */
export type RefusalScope = 'tenant' | 'instance';

/** Gives a slot back; calling it again does nothing. */
export type Release = () => void;

/** Told about every slot taken and given back, every refusal and every cancelled query. */
export interface ConcurrencyObserver {
  acquired(operation: OperationClass): void;
  released(operation: OperationClass): void;
  rejected(operation: OperationClass, scope: RefusalScope): void;
  queryTimedOut(operation: OperationClass): void;
}

interface Waiter {
  operation: OperationClass;
  tenantId: string;
  grant: (release: Release) => void;
  timer: NodeJS.Timeout;
}

/**
 * Per-tenant concurrency caps on heavy operations, per instance: one tenant may run at most
 * `tenantConcurrency[class]` operations of a class and `tenantMax` of all classes at once, and
 * every tenant together at most `instanceMax`, so no tenant (nor a crowd of them) can drain the
 * connection pool. An operation over a cap waits up to `waitMs` for a slot, then is refused:
 * 429 when the tenant's own cap is full, 503 when the instance's is; both with Retry-After.
 * Waiting is bounded too (per tenant and class, and per instance), so a flood never piles up.
 */
export class TenantConcurrency {
  private readonly byKey = new Map<string, number>();
  private readonly byTenant = new Map<string, number>();
  private readonly waitingByKey = new Map<string, number>();
  private readonly queue: Waiter[] = [];
  private total = 0;
  private observer?: ConcurrencyObserver;

  constructor(private readonly limits: FairnessConfig) {}

  observe(observer: ConcurrencyObserver): void {
    this.observer = observer;
  }

  /** The statement timeout of a class, when it has one. */
  statementTimeoutMs(operation: OperationClass): number | undefined {
    return this.limits.statementTimeoutsMs[operation];
  }

  /**
   * Runs `fn` inside a slot of the tenant's class, giving the slot back however it ends; a
   * query cancelled by the class's statement timeout becomes a 503 naming that limit.
   */
  async run<T>(operation: OperationClass, tenantId: string, fn: () => Promise<T>): Promise<T> {
    const release = await this.acquire(operation, tenantId);
    try {
      return await fn();
    } catch (error) {
      throw this.translate(operation, error);
    } finally {
      release();
    }
  }

  /** A slot for work that outlives one call (a streamed export); the caller must release it. */
  acquire(operation: OperationClass, tenantId: string): Promise<Release> {
    const scope = this.blockedBy(operation, tenantId);
    if (!scope) return Promise.resolve(this.take(operation, tenantId));
    if (!this.mayWait(operation, tenantId)) {
      return Promise.reject(this.refuse(operation, tenantId, scope));
    }
    const key = keyOf(operation, tenantId);
    const waiting = this.waitingByKey.get(key) ?? 0;
    return new Promise<Release>((resolve, reject) => {
      const waiter: Waiter = {
        operation,
        tenantId,
        grant: resolve,
        timer: setTimeout(() => {
          this.dequeue(waiter);
          reject(this.refuse(operation, tenantId, this.blockedBy(operation, tenantId) ?? scope));
        }, this.limits.waitMs),
      };
      this.queue.push(waiter);
      this.waitingByKey.set(key, waiting + 1);
    });
  }

  /**
   * The refusal `acquire` would answer at once right now (the cap full and no room to wait), or
   * undefined when it would admit or queue the operation; counted as a refusal when returned. A
   * guard asks this before the body is validated, so a flood's refusals cost no validation.
   */
  refusalNow(operation: OperationClass, tenantId: string): FairnessException | undefined {
    const scope = this.blockedBy(operation, tenantId);
    if (!scope || this.mayWait(operation, tenantId)) return undefined;
    return this.refuse(operation, tenantId, scope);
  }

  /** Operations running right now, per class (every tenant together). */
  inFlight(): Partial<Record<OperationClass, number>> {
    const counts: Partial<Record<OperationClass, number>> = {};
    for (const [key, n] of this.byKey) {
      const operation = key.slice(0, key.indexOf('\u0000')) as OperationClass;
      counts[operation] = (counts[operation] ?? 0) + n;
    }
    return counts;
  }

  /** Which cap keeps this operation from starting now, if any. */
  private blockedBy(operation: OperationClass, tenantId: string): RefusalScope | undefined {
    if (
      (this.byKey.get(keyOf(operation, tenantId)) ?? 0) >= this.limits.tenantConcurrency[operation]
    ) {
      return 'tenant';
    }
    if ((this.byTenant.get(tenantId) ?? 0) >= this.limits.tenantMax) return 'tenant';
    if (this.total >= this.limits.instanceMax) return 'instance';
    return undefined;
  }

  /** Whether a blocked operation may queue: waiting is bounded per tenant and class, and overall. */
  private mayWait(operation: OperationClass, tenantId: string): boolean {
    return (
      this.limits.waitMs > 0 &&
      (this.waitingByKey.get(keyOf(operation, tenantId)) ?? 0) <
        this.limits.tenantConcurrency[operation] &&
      this.queue.length < this.limits.instanceMax
    );
  }

  private take(operation: OperationClass, tenantId: string): Release {
    const key = keyOf(operation, tenantId);
    bump(this.byKey, key, 1);
    bump(this.byTenant, tenantId, 1);
    this.total++;
    this.observer?.acquired(operation);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      bump(this.byKey, key, -1);
      bump(this.byTenant, tenantId, -1);
      this.total--;
      this.observer?.released(operation);
      this.dispatch();
    };
  }

  /** Hands freed slots to the longest-waiting operations that now fit. */
  private dispatch(): void {
    for (let i = 0; i < this.queue.length;) {
      const waiter = this.queue[i];
      if (this.blockedBy(waiter.operation, waiter.tenantId)) {
        i++;
        continue;
      }
      this.dequeue(waiter);
      clearTimeout(waiter.timer);
      waiter.grant(this.take(waiter.operation, waiter.tenantId));
      if (this.total >= this.limits.instanceMax) return;
    }
  }

  private dequeue(waiter: Waiter): void {
    const at = this.queue.indexOf(waiter);
    if (at < 0) return;
    this.queue.splice(at, 1);
    bump(this.waitingByKey, keyOf(waiter.operation, waiter.tenantId), -1);
  }

  private refuse(
    operation: OperationClass,
    tenantId: string,
    scope: RefusalScope,
  ): FairnessException {
    this.observer?.rejected(operation, scope);
    const headers = { 'retry-after': String(Math.max(1, Math.ceil(this.limits.waitMs / 1000))) };
    if (scope === 'instance') {
      return new FairnessException(FairnessErrorCode.INSTANCE_BUSY, undefined, headers);
    }
    const perClass = this.limits.tenantConcurrency[operation];
    const detail =
      (this.byKey.get(keyOf(operation, tenantId)) ?? 0) >= perClass
        ? `This tenant already runs ${perClass} ${operation} operations at once, its limit; retry shortly`
        : `This tenant already runs ${this.limits.tenantMax} heavy operations at once, its limit; retry shortly`;
    return new FairnessException(FairnessErrorCode.TENANT_BUSY, detail, headers);
  }

  private translate(operation: OperationClass, error: unknown): unknown {
    const limit = this.limits.statementTimeoutsMs[operation];
    if (limit === undefined || !isQueryCancelled(error)) return error;
    this.observer?.queryTimedOut(operation);
    return new FairnessException(
      FairnessErrorCode.QUERY_TIMEOUT,
      `The ${operation} query took longer than its ${limit} ms limit and was cancelled; narrow it or retry later`,
      { 'retry-after': '5' },
    );
  }
}

function keyOf(operation: OperationClass, tenantId: string): string {
  return `${operation}\u0000${tenantId}`;
}

/** Counts that reach zero leave the map, so idle tenants cost no memory. */
function bump(map: Map<string, number>, key: string, by: number): void {
  const next = (map.get(key) ?? 0) + by;
  if (next <= 0) map.delete(key);
  else map.set(key, next);
}

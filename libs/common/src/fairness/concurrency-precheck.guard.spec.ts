import type { ExecutionContext } from '@nestjs/common';
import { DEFAULT_TENANT_CONCURRENCY } from '@app/config';
import { RequestContext, type RequestStore } from '../context/request-context';
import { RouteMetadata } from '../decorators/route-metadata';
import { ConcurrencyPrecheckGuard } from './concurrency-precheck.guard';
import { HeavyOperation } from './heavy-operation.decorator';
import { TenantConcurrency } from './tenant-concurrency';

class Routes {
  @HeavyOperation('bulk')
  bulk(): void {}

  plain(): void {}
}

const contextOf = (handler: keyof Routes): ExecutionContext =>
  ({
    getType: () => 'http',
    getHandler: () => Routes.prototype[handler],
    getClass: () => Routes,
  }) as unknown as ExecutionContext;

const store = (tenantId?: string): RequestStore => ({
  requestId: 'r',
  ip: '127.0.0.1',
  userAgent: null,
  method: 'POST',
  route: '/api/blocks/bulk',
  startedAt: 0n,
  principal: tenantId ? ({ tenantId } as RequestStore['principal']) : undefined,
});

describe('ConcurrencyPrecheckGuard', () => {
  // No waiting: a full cap is refused at once, which is what the guard may answer early.
  const limiter = new TenantConcurrency({
    tenantConcurrency: { ...DEFAULT_TENANT_CONCURRENCY, bulk: 1 },
    tenantMax: 4,
    instanceMax: 14,
    waitMs: 0,
    statementTimeoutsMs: {},
  });
  const guard = new ConcurrencyPrecheckGuard(new RouteMetadata(), limiter);
  const check = (handler: keyof Routes, tenantId?: string) =>
    RequestContext.run(store(tenantId), () => guard.canActivate(contextOf(handler)));

  it('refuses a heavy route of a tenant at its cap with the answer of its slot, and nothing else', async () => {
    expect(check('bulk', 'a')).toBe(true);
    const release = await limiter.acquire('bulk', 'a');
    expect(() => check('bulk', 'a')).toThrow(
      expect.objectContaining({ status: 429, reason: 'TENANT_BUSY' }) as Error,
    );
    expect(check('bulk', 'b')).toBe(true); // another tenant
    expect(check('plain', 'a')).toBe(true); // a route that takes no slot
    expect(check('bulk')).toBe(true); // anonymous: authentication answers it
    release();
    expect(check('bulk', 'a')).toBe(true);
    expect(limiter.inFlight()).toEqual({});
  });
});

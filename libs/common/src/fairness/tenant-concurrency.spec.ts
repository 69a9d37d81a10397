import { DEFAULT_TENANT_CONCURRENCY, type FairnessConfig, type OperationClass } from '@app/config';
import { type ConcurrencyObserver, type Release, TenantConcurrency } from './tenant-concurrency';

const limits = (overrides: Partial<FairnessConfig> = {}): FairnessConfig => ({
  tenantConcurrency: { ...DEFAULT_TENANT_CONCURRENCY, search: 2, export: 1 },
  tenantMax: 3,
  instanceMax: 4,
  waitMs: 1000,
  statementTimeoutsMs: { search: 250 },
  ...overrides,
});

/** Collects what the limiter reports, as the metrics do. */
function recorder(): ConcurrencyObserver & { events: string[] } {
  const events: string[] = [];
  return {
    events,
    acquired: (op) => events.push(`+${op}`),
    released: (op) => events.push(`-${op}`),
    rejected: (op, scope) => events.push(`x${op}:${scope}`),
    queryTimedOut: (op) => events.push(`t${op}`),
  };
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

describe('TenantConcurrency', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  const take = (limiter: TenantConcurrency, op: OperationClass, tenant: string, n: number) =>
    Promise.all(Array.from({ length: n }, () => limiter.acquire(op, tenant)));

  it('refuses the tenant over its class cap with a 429 and Retry-After after the wait', async () => {
    const limiter = new TenantConcurrency(limits());
    const observer = recorder();
    limiter.observe(observer);
    await take(limiter, 'search', 'a', 2);
    let outcome: unknown;
    limiter.acquire('search', 'a').then(
      () => (outcome = 'granted'),
      (error: unknown) => (outcome = error),
    );
    jest.advanceTimersByTime(999);
    await settle();
    expect(outcome).toBeUndefined();
    jest.advanceTimersByTime(1);
    await settle();
    expect(outcome).toMatchObject({
      status: 429,
      reason: 'TENANT_BUSY',
      headers: { 'retry-after': '1' },
    });
    expect((outcome as Error).message).toMatch(/2 search operations at once/);
    expect(observer.events).toEqual(['+search', '+search', 'xsearch:tenant']);
  });

  it('lets another tenant in while one tenant is at its cap', async () => {
    const limiter = new TenantConcurrency(limits());
    await take(limiter, 'search', 'a', 2);
    await expect(limiter.acquire('search', 'b')).resolves.toEqual(expect.any(Function));
    expect(limiter.inFlight()).toEqual({ search: 3 });
  });

  it('hands a freed slot to the waiting operation of that tenant', async () => {
    const limiter = new TenantConcurrency(limits());
    const [first] = await take(limiter, 'search', 'a', 2);
    let granted: Release | undefined;
    void limiter.acquire('search', 'a').then((release) => (granted = release));
    await settle();
    expect(granted).toBeUndefined();
    first();
    first(); // a second release gives nothing back twice
    await settle();
    expect(granted).toEqual(expect.any(Function));
    expect(limiter.inFlight()).toEqual({ search: 2 });
  });

  it('caps one tenant across classes, and every tenant together with a 503', async () => {
    const limiter = new TenantConcurrency(limits({ waitMs: 0 }));
    await take(limiter, 'search', 'a', 2);
    await take(limiter, 'bulk', 'a', 1);
    await expect(limiter.acquire('related', 'a')).rejects.toMatchObject({
      status: 429,
      detail: expect.stringMatching(/3 heavy operations at once/),
    });
    await take(limiter, 'bulk', 'b', 1);
    await expect(limiter.acquire('bulk', 'c')).rejects.toMatchObject({
      status: 503,
      reason: 'INSTANCE_BUSY',
      headers: { 'retry-after': '1' },
    });
  });

  it('bounds the waiting operations of a tenant to its cap: more are refused at once', async () => {
    const limiter = new TenantConcurrency(limits());
    await take(limiter, 'export', 'a', 1);
    const waiting = limiter.acquire('export', 'a');
    await expect(limiter.acquire('export', 'a')).rejects.toMatchObject({ status: 429 });
    jest.advanceTimersByTime(1000);
    await expect(waiting).rejects.toMatchObject({ status: 429 });
  });

  it('gives the slot back however the work ends, and names the limit of a cancelled query', async () => {
    const limiter = new TenantConcurrency(limits());
    const observer = recorder();
    limiter.observe(observer);
    const cancelled = Object.assign(new Error('canceling statement due to statement timeout'), {
      code: '57014',
    });
    await expect(limiter.run('search', 'a', () => Promise.reject(cancelled))).rejects.toMatchObject(
      {
        status: 503,
        reason: 'QUERY_TIMEOUT',
        detail: expect.stringMatching(/search query took longer than its 250 ms limit/),
      },
    );
    // No timeout configured for the class: the error passes through untouched.
    await expect(limiter.run('bulk', 'a', () => Promise.reject(cancelled))).rejects.toBe(cancelled);
    await expect(limiter.run('search', 'a', async () => 'done')).resolves.toBe('done');
    expect(limiter.inFlight()).toEqual({});
    expect(observer.events).toEqual([
      '+search',
      'tsearch',
      '-search',
      '+bulk',
      '-bulk',
      '+search',
      '-search',
    ]);
  });

  it('names, without taking a slot, the refusal acquire would answer at once, and only that', async () => {
    const limiter = new TenantConcurrency(limits());
    const observer = recorder();
    limiter.observe(observer);
    // Free slot, then room to wait: acquire would admit or queue, so nothing is refused.
    expect(limiter.refusalNow('search', 'a')).toBeUndefined();
    await take(limiter, 'search', 'a', 2);
    expect(limiter.refusalNow('search', 'a')).toBeUndefined();
    // Both wait places of the class taken: acquire would refuse at once, and so does this.
    const waiting = [limiter.acquire('search', 'a'), limiter.acquire('search', 'a')];
    for (const w of waiting) w.catch(() => undefined);
    const early = limiter.refusalNow('search', 'a');
    let late: unknown;
    limiter.acquire('search', 'a').catch((error: unknown) => (late = error));
    await settle();
    const answer = (e: unknown) => {
      const { status, code, reason, detail, headers } = e as NonNullable<typeof early>;
      return { status, code, reason, detail, headers };
    };
    expect(answer(early)).toEqual({
      status: 429,
      code: 'RATE_LIMITED',
      reason: 'TENANT_BUSY',
      detail: expect.stringMatching(/already runs 2 search operations at once/),
      headers: { 'retry-after': '1' },
    });
    expect(answer(early)).toEqual(answer(late));
    // Another tenant is not affected; with no waiting allowed a full cap is refused at once.
    expect(limiter.refusalNow('search', 'b')).toBeUndefined();
    const eager = new TenantConcurrency(limits({ waitMs: 0 }));
    await take(eager, 'export', 'a', 1);
    expect(eager.refusalNow('export', 'a')).toMatchObject({ status: 429, reason: 'TENANT_BUSY' });
    expect(limiter.inFlight()).toEqual({ search: 2 });
    expect(observer.events).toEqual(['+search', '+search', 'xsearch:tenant', 'xsearch:tenant']);
  });
});

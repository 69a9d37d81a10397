import { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { dataSourceOptions } from '@app/database';
import { AuditLogRepository } from '../../libs/audit/src/audit-log.repository';
import { type PendingEntry, insertUnsealed, sealChains } from '../../libs/audit/src/audit-writer';
import { asTenant } from '../support/as-tenant';
import { createTestDatabase } from '../support/test-database';

const DAY = 86_400_000;

/**
 * The audit log repository against a real PostgreSQL: its SQL, tenant scoping from the request
 * context, the list filters and keyset order, statistics, the chain reads and retention.
 */
describe('audit log repository', () => {
  let drop: () => Promise<void>;
  let dataSource: DataSource;
  let entries: AuditLogRepository;
  const tenantA = uuidv7();
  const tenantB = uuidv7();
  const ann = uuidv7();
  const bob = uuidv7();
  const now = Date.now();

  const pending = (tenantId: string, extra: Partial<PendingEntry> = {}): PendingEntry => ({
    id: uuidv7(),
    tenantId,
    timestamp: new Date(now),
    userId: ann,
    username: 'ann',
    apiKeyId: null,
    action: 'block.read',
    resourceType: 'block',
    resourceId: 'b1',
    method: 'GET',
    path: '/api/blocks/:id',
    statusCode: 200,
    durationMs: 1.5,
    ip: '127.0.0.1',
    userAgent: 'jest',
    requestId: 'r',
    severity: 'info',
    changes: null,
    error: null,
    ...extra,
  });
  /** Appends sealed entries to their tenants' chains, in the order given. */
  const seal = (list: PendingEntry[]) => dataSource.transaction((tx) => sealChains(tx, [], list));
  const ids = (rows: Array<{ id: string }>) => rows.map((row) => row.id);

  // Tenant A: five sealed entries (seq 1..5), one of them 200 days old, and one unsealed.
  const a = [
    pending(tenantA, { timestamp: new Date(now - 200 * DAY), action: 'block.create' }),
    pending(tenantA, { action: 'block.update', severity: 'warning', statusCode: 409 }),
    pending(tenantA, { userId: bob, username: 'bob', resourceId: 'b2' }),
    pending(tenantA, { action: 'block.update', timestamp: new Date(now - 2 * DAY) }),
    pending(tenantA, { userId: null, username: null, statusCode: null }),
  ];
  const unsealed = pending(tenantA, { action: 'block.delete' });
  const b = [pending(tenantB, { timestamp: new Date(now - 300 * DAY) }), pending(tenantB)];

  beforeAll(async () => {
    const db = await createTestDatabase();
    drop = db.drop;
    dataSource = new DataSource(dataSourceOptions(db.url));
    await dataSource.initialize();
    entries = new AuditLogRepository(dataSource);
    await seal([...a, ...b]);
    await insertUnsealed(dataSource.manager, [unsealed]);
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await drop?.();
  });

  it('lists only sealed entries of the caller tenant, newest first, and pages by seq', async () => {
    const all = await asTenant(tenantA, () => entries.list({}, 10));
    expect(ids(all)).toEqual(ids([...a].reverse()));
    expect(all.map((row) => row.seq)).toEqual(['5', '4', '3', '2', '1']);
    expect(all[0]).toMatchObject({ tenantId: tenantA, userId: null, hash: expect.any(String) });
    expect(all[4].timestamp).toBeInstanceOf(Date);

    const first = await asTenant(tenantA, () => entries.list({}, 2));
    expect(first.map((row) => row.seq)).toEqual(['5', '4']);
    const next = await asTenant(tenantA, () => entries.list({ beforeSeq: '4' }, 2));
    expect(next.map((row) => row.seq)).toEqual(['3', '2']);
  });

  it('shows another tenant nothing of the caller tenant', async () => {
    const forB = await asTenant(tenantB, () => entries.list({}, 10));
    expect(ids(forB)).toEqual(ids([...b].reverse()));
    expect(await asTenant(tenantB, () => entries.findById(a[0].id))).toBeNull();
    // Ann's entries in tenant B only, though her tenant A entries match the same user id.
    expect(ids(await asTenant(tenantB, () => entries.listForUser(ann, 100)))).toEqual(ids(b));
    await expect(entries.list({}, 10)).rejects.toThrow('No tenant');
  });

  it('narrows a list by each filter, combined with AND', async () => {
    const list = (filter: Parameters<AuditLogRepository['list']>[0]) =>
      asTenant(tenantA, async () => ids(await entries.list(filter, 10)));
    expect(await list({ action: 'block.update' })).toEqual([a[3].id, a[1].id]);
    expect(await list({ userId: bob })).toEqual([a[2].id]);
    expect(await list({ resourceType: 'block', resourceId: 'b2' })).toEqual([a[2].id]);
    expect(await list({ severity: 'warning' })).toEqual([a[1].id]);
    expect(await list({ statusCode: 409 })).toEqual([a[1].id]);
    expect(await list({ from: new Date(now - 3 * DAY), to: new Date(now - DAY) })).toEqual([
      a[3].id,
    ]);
    expect(await list({ to: new Date(now - 100 * DAY) })).toEqual([a[0].id]);
    expect(await list({ action: 'block.update', severity: 'info' })).toEqual([a[3].id]);
    expect(await list({ action: 'no.such' })).toEqual([]);
  });

  it('finds one entry by id, unsealed too', async () => {
    expect(await asTenant(tenantA, () => entries.findById(a[2].id))).toMatchObject({
      id: a[2].id,
      seq: '3',
      userId: bob,
      username: 'bob',
      resourceId: 'b2',
    });
    expect(await asTenant(tenantA, () => entries.findById(unsealed.id))).toMatchObject({
      seq: null,
      hash: null,
    });
    expect(await asTenant(tenantA, () => entries.findById(uuidv7()))).toBeNull();
  });

  it("exports a user's entries oldest first, the unsealed last, capped", async () => {
    const mine = await asTenant(tenantA, () => entries.listForUser(ann, 100));
    expect(ids(mine)).toEqual([a[0].id, a[1].id, a[3].id, unsealed.id]);
    expect(ids(await asTenant(tenantA, () => entries.listForUser(ann, 2)))).toEqual([
      a[0].id,
      a[1].id,
    ]);
  });

  it('counts a range of the caller tenant by action, severity, status class, user and hour', async () => {
    const counts = await asTenant(tenantA, () =>
      entries.statistics(new Date(now - 10 * DAY), new Date(now + DAY)),
    );
    expect(counts.total).toBe(5);
    expect(counts.byAction).toEqual([
      { key: 'block.read', count: 2 },
      { key: 'block.update', count: 2 },
      { key: 'block.delete', count: 1 },
    ]);
    expect(counts.bySeverity).toEqual([
      { key: 'info', count: 4 },
      { key: 'warning', count: 1 },
    ]);
    expect(counts.byStatusClass).toEqual([
      { key: '2xx', count: 3 },
      { key: '4xx', count: 1 },
      { key: 'none', count: 1 },
    ]);
    expect(counts.topUsers).toEqual([
      { userId: ann, username: 'ann', count: 3 },
      { userId: bob, username: 'bob', count: 1 },
    ]);
    expect(counts.perHour.reduce((sum, hour) => sum + hour.count, 0)).toBe(5);
    const forB = await asTenant(tenantB, () =>
      entries.statistics(new Date(now - 10 * DAY), new Date(now + DAY)),
    );
    expect(forB.total).toBe(1);
  });

  it('reads the chain in order after a seq and knows when entries wait to be sealed', async () => {
    const page = await entries.chainAfter(tenantA, '2', 2);
    expect(page.map((row) => row.seq)).toEqual(['3', '4']);
    expect(page[1].prevHash).toBe(page[0].hash);
    expect(await entries.hasUnsealed(tenantA)).toBe(true);
    expect(await entries.hasUnsealed(tenantB)).toBe(false);
    expect(await entries.anchor(tenantA)).toBeNull();
  });

  it('purges only old entries of one tenant and leaves an anchor where the chain was cut', async () => {
    expect((await entries.tenantsWithEntriesOlderThan(90)).sort()).toEqual(
      [tenantA, tenantB].sort(),
    );
    expect(await entries.tenantsWithEntriesOlderThan(250)).toEqual([tenantB]);

    const deleted = await entries.transaction((tx) => entries.purge(tx, tenantA, 90));
    expect(deleted).toBe(1);
    expect(await asTenant(tenantA, () => entries.findById(a[0].id))).toBeNull();
    expect(await entries.anchor(tenantA)).toEqual({ seq: '1', hash: expect.any(String) });
    expect((await entries.chainAfter(tenantA, '1', 10)).map((row) => row.seq)).toEqual([
      '2',
      '3',
      '4',
      '5',
    ]);
    // The other tenant keeps its old entry until its own purge.
    expect(ids(await asTenant(tenantB, () => entries.list({}, 10)))).toEqual(ids([...b].reverse()));
    expect(await entries.transaction((tx) => entries.purge(tx, tenantA, 90))).toBe(0);
  });
});

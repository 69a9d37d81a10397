import type { AuditService } from '@app/audit';
import { ProblemException, RequestContext, type RequestStore } from '@app/common';
import type { DataSource, EntityManager } from 'typeorm';
import type { BlockRow } from './block-row';
import { BlocksService } from './blocks.service';

const TENANT = '01936f0e-0000-7000-8000-00000000000a';
const USER = '01936f0e-0000-7000-8000-00000000000b';
const ID = '01936f0e-0000-7000-8000-00000000000c';

function row(overrides: Partial<BlockRow> = {}): BlockRow {
  return {
    id: ID,
    title: 'Title',
    content: 'content',
    type: 'text',
    tags: ['a'],
    metadata: { k: 1 },
    version: 2,
    created_at: new Date('2026-01-01T00:00:00.000Z'),
    updated_at: new Date('2026-01-02T00:00:00.000Z'),
    created_by: USER,
    updated_by: USER,
    ...overrides,
  };
}

/** A manager that answers by statement kind and records every statement. */
function fakeManager(current: BlockRow | null) {
  const calls: Array<{ sql: string; params: unknown[] }> = [];
  const manager = {
    query: jest.fn(async (sql: string, params: unknown[] = []) => {
      calls.push({ sql, params });
      if (sql.trimStart().startsWith('SELECT'))
        return current ? [{ ...current, deleted: false }] : [];
      if (sql.trimStart().startsWith('UPDATE')) {
        return [
          [row({ ...current!, title: params[2] as string, version: current!.version + 1 })],
          1,
        ];
      }
      if (sql.trimStart().startsWith('INSERT INTO blocks')) return [row({ version: 1 })];
      return [];
    }),
  } as unknown as EntityManager;
  return { manager, calls };
}

function inRequest<T>(fn: () => Promise<T>): Promise<T> {
  const store: RequestStore = {
    requestId: 'r',
    ip: '127.0.0.1',
    userAgent: null,
    method: 'PATCH',
    route: '/api/blocks/:id',
    startedAt: 0n,
    principal: { userId: USER, tenantId: TENANT, username: 'u', role: 'user', method: 'jwt' },
  };
  return RequestContext.run(store, fn);
}

describe('BlocksService', () => {
  const audit = { record: jest.fn(async () => undefined) };
  const dataSource = { driver: { master: {} } } as unknown as DataSource;
  const service = new BlocksService(dataSource, audit as unknown as AuditService);

  beforeEach(() => audit.record.mockClear());

  it('scopes every statement of an update to the caller tenant and writes a version first', async () => {
    const { manager, calls } = fakeManager(row());
    const block = await inRequest(() => service.updateIn(manager, ID, { title: 'New' }));
    expect(block).toMatchObject({ title: 'New', version: 3 });
    expect(calls.map((c) => c.sql.trim().split(/\s+/).slice(0, 3).join(' '))).toEqual([
      'SELECT id, title,',
      'INSERT INTO block_versions',
      'UPDATE blocks SET',
    ]);
    for (const call of calls) {
      expect(call.sql).toMatch(/tenant_id = \$\d/);
      expect(call.params).toContain(TENANT);
    }
    expect(audit.record).toHaveBeenCalledWith(
      manager,
      expect.objectContaining({ action: 'block.update', resourceId: ID }),
    );
  });

  it('makes no version and no audit entry when nothing changes', async () => {
    const { manager, calls } = fakeManager(row());
    const block = await inRequest(() =>
      service.updateIn(manager, ID, { title: 'Title', tags: ['a'], metadata: { k: 1 } }),
    );
    expect(block.version).toBe(2);
    expect(calls).toHaveLength(1);
    expect(audit.record).not.toHaveBeenCalled();
  });

  it('refuses a stale If-Match with a 412 before writing anything', async () => {
    const { manager, calls } = fakeManager(row());
    await expect(
      inRequest(() => service.updateIn(manager, ID, { title: 'x' }, { ifMatch: '"v1"' })),
    ).rejects.toMatchObject({
      status: 412,
      reason: 'VERSION_CONFLICT',
    });
    expect(calls).toHaveLength(1);
  });

  it('answers 404 when the tenant has no such block', async () => {
    const { manager } = fakeManager(null);
    await expect(
      inRequest(() => service.updateIn(manager, ID, { title: 'x' })),
    ).rejects.toBeInstanceOf(ProblemException);
    await expect(inRequest(() => service.removeIn(manager, ID))).rejects.toMatchObject({
      status: 404,
    });
  });

  it('refuses to run outside a request with a tenant', async () => {
    const { manager } = fakeManager(row());
    await expect(service.updateIn(manager, ID, { title: 'x' })).rejects.toThrow('No tenant');
  });

  it('creates a block and its audit entry in one statement, the content hashed, not copied', async () => {
    const pool = { query: jest.fn(async () => ({ rows: [row({ version: 1 })] })) };
    const manager = { connection: { driver: { master: pool } } };
    const entryAudit = {
      prepareEntry: jest.fn(() => ({ json: '[{"entry":1}]', entry: {} })),
      entryCommitted: jest.fn(),
    };
    const creator = new BlocksService(
      { driver: { master: pool }, manager } as unknown as DataSource,
      entryAudit as unknown as AuditService,
    );
    await inRequest(() => creator.create({ title: 'T', content: 'secret body' }));
    const event = (entryAudit.prepareEntry.mock.calls[0] as unknown[])[0] as {
      resourceId: string;
      changes: { before: unknown; after: Record<string, unknown> };
    };
    expect(event.changes).toMatchObject({
      before: null,
      after: { title: 'T', version: 1, contentLength: 11, contentSha256: expect.any(String) },
    });
    expect(JSON.stringify(event)).not.toContain('content"');
    const [statement] = pool.query.mock.calls[0] as unknown as [
      { text: string; values: unknown[] },
    ];
    expect(statement.text).toMatch(/^WITH audit_entry AS \(\s*INSERT INTO audit_log/);
    expect(statement.values[0]).toBe(event.resourceId);
    expect(statement.values[1]).toBe(TENANT);
    expect(statement.values[8]).toBe('[{"entry":1}]');
    expect(entryAudit.entryCommitted).toHaveBeenCalledTimes(1);
  });
});

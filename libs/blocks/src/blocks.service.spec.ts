import type { AuditService } from '@app/audit';
import { ProblemException, RequestContext, type RequestStore } from '@app/common';
import type { EntityManager } from 'typeorm';
import type { BlockRow } from './block-row';
import type { BlockVersionsRepository } from './block-versions.repository';
import type { BlockColumns, BlocksRepository } from './blocks.repository';
import { BlocksService } from './blocks.service';

const TENANT = '01936f0e-0000-7000-8000-00000000000a';
const USER = '01936f0e-0000-7000-8000-00000000000b';
const ID = '01936f0e-0000-7000-8000-00000000000c';
const TX = {} as EntityManager;

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

/** Repositories holding one block (or none); every write is a jest mock. */
function repositories(current: BlockRow | null) {
  const blocks = {
    transaction: jest.fn((work: (tx: EntityManager) => Promise<unknown>) => work(TX)),
    findById: jest.fn(async () => current),
    lock: jest.fn(async () => (current ? { row: current, deleted: false } : null)),
    insert: jest.fn(async (_tx: EntityManager, id: string, columns: BlockColumns) =>
      row({ ...columns, id, version: 1 }),
    ),
    insertWithAudit: jest.fn(async (id: string, columns: BlockColumns) =>
      row({ ...columns, id, version: 1 }),
    ),
    update: jest.fn(async (_tx: EntityManager, _id: string, columns: BlockColumns) =>
      row({ ...current!, ...columns, version: current!.version + 1 }),
    ),
    softDelete: jest.fn(async () => row({ ...current!, version: current!.version + 1 })),
    undelete: jest.fn(async () => row({ ...current!, version: current!.version + 1 })),
  };
  const versions = { snapshot: jest.fn(async () => undefined) };
  return { blocks, versions };
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
  const audit = {
    record: jest.fn(async () => undefined),
    prepareEntry: jest.fn(() => ({ json: '[{"entry":1}]', entry: {} })),
    entryCommitted: jest.fn(),
  };
  const serviceWith = (current: BlockRow | null) => {
    const repos = repositories(current);
    const service = new BlocksService(
      repos.blocks as unknown as BlocksRepository,
      repos.versions as unknown as BlockVersionsRepository,
      audit as unknown as AuditService,
    );
    return { service, ...repos };
  };

  beforeEach(() => jest.clearAllMocks());

  it('locks the block, keeps its state as a version, then writes the merged fields and the audit entry', async () => {
    const { service, blocks, versions } = serviceWith(row());
    const block = await inRequest(() => service.updateIn(TX, ID, { title: 'New' }));
    expect(block).toMatchObject({ title: 'New', version: 3 });
    expect(blocks.lock).toHaveBeenCalledWith(TX, ID, false);
    expect(versions.snapshot).toHaveBeenCalledWith(TX, ID);
    expect(blocks.update).toHaveBeenCalledWith(
      TX,
      ID,
      { title: 'New', content: 'content', type: 'text', tags: ['a'], metadata: { k: 1 } },
      USER,
    );
    expect(versions.snapshot.mock.invocationCallOrder[0]).toBeLessThan(
      blocks.update.mock.invocationCallOrder[0],
    );
    expect(audit.record).toHaveBeenCalledWith(
      TX,
      expect.objectContaining({ action: 'block.update', resourceId: ID }),
    );
  });

  it('makes no version and no audit entry when nothing changes', async () => {
    const { service, blocks, versions } = serviceWith(row());
    const block = await inRequest(() =>
      service.updateIn(TX, ID, { title: 'Title', tags: ['a'], metadata: { k: 1 } }),
    );
    expect(block.version).toBe(2);
    expect(versions.snapshot).not.toHaveBeenCalled();
    expect(blocks.update).not.toHaveBeenCalled();
    expect(audit.record).not.toHaveBeenCalled();
  });

  it('refuses a stale If-Match with a 412 before writing anything', async () => {
    const { service, blocks, versions } = serviceWith(row());
    await expect(
      inRequest(() => service.updateIn(TX, ID, { title: 'x' }, { ifMatch: '"v1"' })),
    ).rejects.toMatchObject({ status: 412, reason: 'VERSION_CONFLICT' });
    expect(versions.snapshot).not.toHaveBeenCalled();
    expect(blocks.update).not.toHaveBeenCalled();
  });

  it('answers 404 when the tenant has no such block', async () => {
    const { service, blocks } = serviceWith(null);
    await expect(inRequest(() => service.updateIn(TX, ID, { title: 'x' }))).rejects.toBeInstanceOf(
      ProblemException,
    );
    await expect(inRequest(() => service.removeIn(TX, ID))).rejects.toMatchObject({
      status: 404,
    });
    await expect(inRequest(() => service.get(ID))).rejects.toMatchObject({ status: 404 });
    expect(blocks.softDelete).not.toHaveBeenCalled();
  });

  it('refuses a restore of a block that is not deleted with a 409', async () => {
    const { service, blocks } = serviceWith(row());
    await expect(inRequest(() => service.restore(ID))).rejects.toMatchObject({
      status: 409,
      reason: 'NOT_DELETED',
    });
    expect(blocks.lock).toHaveBeenCalledWith(TX, ID, true);
    expect(blocks.undelete).not.toHaveBeenCalled();
  });

  it('records a soft delete with the deleted flag in the after state', async () => {
    const { service, blocks } = serviceWith(row());
    await inRequest(() => service.removeIn(TX, ID));
    expect(blocks.softDelete).toHaveBeenCalledWith(TX, ID, USER);
    expect(audit.record).toHaveBeenCalledWith(
      TX,
      expect.objectContaining({
        action: 'block.delete',
        changes: expect.objectContaining({ after: expect.objectContaining({ deleted: true }) }),
      }),
    );
  });

  it('creates a block and its audit entry in one statement, the content hashed, not copied', async () => {
    const { service, blocks } = serviceWith(null);
    const block = await inRequest(() => service.create({ title: 'T', content: 'secret body' }));
    const event = (audit.prepareEntry.mock.calls[0] as unknown[])[0] as {
      resourceId: string;
      changes: { before: unknown; after: Record<string, unknown> };
    };
    expect(event.changes).toMatchObject({
      before: null,
      after: { title: 'T', version: 1, contentLength: 11, contentSha256: expect.any(String) },
    });
    expect(JSON.stringify(event)).not.toContain('content"');
    expect(blocks.insertWithAudit).toHaveBeenCalledWith(
      event.resourceId,
      { title: 'T', content: 'secret body', type: 'text', tags: [], metadata: {} },
      USER,
      '[{"entry":1}]',
    );
    expect(block).toMatchObject({ id: event.resourceId, version: 1 });
    expect(audit.entryCommitted).toHaveBeenCalledTimes(1);
  });
});

import { type RequestStore, RequestContext, encodeCursor } from '@app/common';
import type { AppConfig } from '@app/config';
import type { AuditLogRepository } from './audit-log.repository';
import { AuditQueryService } from './audit-query.service';
import type { AuditService } from './audit.service';
import { AuditSeverityDto } from './dto/audit-entry.dto';
import { type ChainedEntry, GENESIS_HASH, entryHash, personalDigest } from './chain/audit-chain';

const TENANT = '01936b9e-3c1a-7b4e-9d2f-5a6b7c8d9e11';
const USER = '01936b9e-3c1a-7b4e-9d2f-5a6b7c8d9e0f';

function store(): RequestStore {
  return {
    requestId: 'r',
    ip: '127.0.0.1',
    userAgent: null,
    method: 'GET',
    route: null,
    startedAt: 0n,
    principal: { userId: USER, tenantId: TENANT, username: 'ada', role: 'admin', method: 'jwt' },
  };
}
const asCaller = <T>(fn: () => Promise<T>): Promise<T> => RequestContext.run(store(), fn);

function entry(seq: number, overrides: Partial<ChainedEntry> = {}): ChainedEntry {
  return {
    id: `01936b9e-3c1a-7b4e-9d2f-${String(seq).padStart(12, '0')}`,
    tenantId: TENANT,
    seq: String(seq),
    timestamp: new Date('2026-01-02T03:04:05.000Z'),
    userId: USER,
    username: 'ada',
    apiKeyId: null,
    action: 'block.update',
    resourceType: 'block',
    resourceId: 'b1',
    method: 'PATCH',
    path: '/api/blocks/:id',
    statusCode: 200,
    durationMs: 1.5,
    ip: '127.0.0.1',
    userAgent: 'jest',
    requestId: 'r',
    severity: 'info',
    changes: null,
    error: null,
    personalDigest: 'd',
    pseudonymised: false,
    prevHash: 'p',
    hash: 'h',
    ...overrides,
  };
}

describe('AuditQueryService', () => {
  const entries = {
    list: jest.fn(),
    findById: jest.fn(),
    listForUser: jest.fn(),
    statistics: jest.fn(),
    anchor: jest.fn(),
    chainAfter: jest.fn(),
    hasUnsealed: jest.fn(),
    purge: jest.fn(),
    transaction: jest.fn(),
  };
  const audit = { sealNow: jest.fn(), record: jest.fn() };
  const tx = { tx: true };
  let service: AuditQueryService;

  beforeEach(() => {
    jest.resetAllMocks();
    entries.hasUnsealed.mockResolvedValue(false);
    entries.transaction.mockImplementation((work: (t: unknown) => unknown) => work(tx));
    service = new AuditQueryService(
      entries as unknown as AuditLogRepository,
      audit as unknown as AuditService,
      { audit: { retentionDays: 90 } } as AppConfig,
    );
  });

  describe('list', () => {
    it('passes normalised filters, asks one row more than the page and links the next page', async () => {
      entries.list.mockResolvedValue([entry(9), entry(8), entry(7)]);
      const page = await asCaller(() =>
        service.list(
          {
            userId: USER.toUpperCase(),
            action: 'block.update',
            severity: AuditSeverityDto.info,
            statusCode: 200,
            from: '2026-01-01T00:00:00Z',
            to: '2026-01-03T00:00:00Z',
          },
          { limit: 2, cursor: encodeCursor({ seq: '10' }) },
        ),
      );
      expect(entries.list).toHaveBeenCalledWith(
        {
          userId: USER,
          action: 'block.update',
          resourceType: undefined,
          resourceId: undefined,
          severity: 'info',
          statusCode: 200,
          from: new Date('2026-01-01T00:00:00Z'),
          to: new Date('2026-01-03T00:00:00Z'),
          beforeSeq: '10',
        },
        3,
      );
      expect(page.items.map((item) => item.id)).toEqual([entry(9).id, entry(8).id]);
      expect(page.items[0]).toMatchObject({
        timestamp: '2026-01-02T03:04:05.000Z',
        actor: { userId: USER, username: 'ada', apiKeyId: null },
      });
      expect(page.items[0]).not.toHaveProperty('personalDigest');
      expect(page.nextCursor).toBe(encodeCursor({ seq: '8' }));
    });

    it('ends the pages when no more rows come back', async () => {
      entries.list.mockResolvedValue([entry(1)]);
      const page = await asCaller(() => service.list({}, {}));
      expect(entries.list).toHaveBeenCalledWith(
        expect.objectContaining({ beforeSeq: undefined }),
        21,
      );
      expect(page.nextCursor).toBeNull();
    });

    it('seals waiting entries of the caller tenant before listing', async () => {
      entries.hasUnsealed.mockResolvedValue(true);
      entries.list.mockResolvedValue([]);
      await asCaller(() => service.list({}, {}));
      expect(entries.hasUnsealed).toHaveBeenCalledWith(TENANT);
      expect(audit.sealNow).toHaveBeenCalledWith(TENANT);
    });

    it.each([
      ['a forged cursor', {}, encodeCursor({ seq: '1; DROP TABLE audit_log' })],
      ['a cursor of another shape', {}, encodeCursor({ id: '1' })],
      ['from after to', { from: '2026-01-02T00:00:00Z', to: '2026-01-01T00:00:00Z' }, undefined],
      ['a from that is no instant', { from: 'yesterday' }, undefined],
    ])('refuses %s with a 400 and reads nothing', async (_, filters, cursor) => {
      await expect(asCaller(() => service.list(filters, { cursor }))).rejects.toMatchObject({
        status: 400,
      });
      expect(entries.list).not.toHaveBeenCalled();
    });
  });

  describe('get', () => {
    it('is a 404 for an id the caller tenant does not hold', async () => {
      entries.findById.mockResolvedValue(null);
      await expect(asCaller(() => service.get(entry(1).id))).rejects.toMatchObject({
        status: 404,
      });
    });

    it('seals an entry committed a moment ago and shows it with its hash', async () => {
      entries.findById
        .mockResolvedValueOnce(entry(1, { hash: null as unknown as string }))
        .mockResolvedValueOnce(entry(1, { hash: 'sealed' }));
      const found = await asCaller(() => service.get(entry(1).id));
      expect(audit.sealNow).toHaveBeenCalledWith(TENANT);
      expect(found.hash).toBe('sealed');
    });
  });

  it('exports the caller entries, oldest first, capped', async () => {
    entries.listForUser.mockResolvedValue([entry(1), entry(2)]);
    const rows = await asCaller(() => service.exportForCaller(5));
    expect(entries.listForUser).toHaveBeenCalledWith(USER, 5);
    expect(rows.map((row) => row.id)).toEqual([entry(1).id, entry(2).id]);
  });

  describe('statistics', () => {
    it('defaults to the last 7 days and adds the range to the counts', async () => {
      entries.statistics.mockResolvedValue({ total: 3 });
      const result = await asCaller(() => service.statistics(undefined, '2026-01-08T00:00:00Z'));
      expect(entries.statistics).toHaveBeenCalledWith(
        new Date('2026-01-01T00:00:00Z'),
        new Date('2026-01-08T00:00:00Z'),
      );
      expect(result).toEqual({
        from: '2026-01-01T00:00:00.000Z',
        to: '2026-01-08T00:00:00.000Z',
        total: 3,
      });
    });

    it('refuses a range longer than 400 days', async () => {
      await expect(
        asCaller(() => service.statistics('2024-01-01T00:00:00Z', '2026-01-01T00:00:00Z')),
      ).rejects.toMatchObject({ status: 400 });
      expect(entries.statistics).not.toHaveBeenCalled();
    });
  });

  describe('verify', () => {
    const chain = (from: number, count: number, prevHash: string): ChainedEntry[] => {
      const rows: ChainedEntry[] = [];
      for (let seq = from; seq < from + count; seq++) {
        const row = entry(seq);
        row.personalDigest = personalDigest(row);
        row.prevHash = rows.length ? rows[rows.length - 1].hash : prevHash;
        row.hash = entryHash(row.prevHash, row);
        rows.push(row);
      }
      return rows;
    };

    const serve = (rows: ChainedEntry[]) =>
      entries.chainAfter.mockImplementation((_tenant: string, after: string, limit: number) =>
        Promise.resolve(rows.filter((row) => BigInt(row.seq) > BigInt(after)).slice(0, limit)),
      );

    it('walks the chain from genesis and finds it intact', async () => {
      entries.anchor.mockResolvedValue(null);
      serve(chain(1, 3, GENESIS_HASH));
      await expect(service.verify(TENANT)).resolves.toEqual({
        valid: true,
        checked: 3,
        firstInvalidId: null,
      });
      expect(entries.anchor).toHaveBeenCalledWith(TENANT);
      expect(entries.chainAfter).toHaveBeenCalledWith(TENANT, '0', expect.any(Number));
    });

    it('starts after the retention anchor and names the first edited entry', async () => {
      const anchor = { seq: '4', hash: 'a'.repeat(64) };
      entries.anchor.mockResolvedValue(anchor);
      const rows = chain(5, 3, anchor.hash);
      rows[1].action = 'block.delete';
      serve(rows);
      await expect(service.verify(TENANT)).resolves.toEqual({
        valid: false,
        checked: 2,
        firstInvalidId: rows[1].id,
      });
      expect(entries.chainAfter).toHaveBeenCalledWith(TENANT, '4', expect.any(Number));
    });
  });

  describe('cleanup', () => {
    it('refuses an age below the configured retention without touching the table', async () => {
      await expect(asCaller(() => service.cleanup(30))).rejects.toMatchObject({ status: 400 });
      expect(entries.transaction).not.toHaveBeenCalled();
      expect(entries.purge).not.toHaveBeenCalled();
    });

    it('purges the caller tenant and records the cleanup in the same transaction', async () => {
      entries.purge.mockResolvedValue(4);
      await expect(asCaller(() => service.cleanup(120))).resolves.toEqual({ deleted: 4 });
      expect(entries.purge).toHaveBeenCalledWith(tx, TENANT, 120);
      expect(audit.record).toHaveBeenCalledWith(
        tx,
        expect.objectContaining({
          action: 'audit.cleanup',
          changes: { before: null, after: { olderThanDays: 120, deleted: 4 } },
        }),
      );
    });
  });
});

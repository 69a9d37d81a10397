import { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { dataSourceOptions } from '@app/database';
import { BlockRelationsRepository } from '../../libs/blocks/src/block-relations.repository';
import { BlockTransferRepository } from '../../libs/blocks/src/block-transfer.repository';
import { BlockVersionsRepository } from '../../libs/blocks/src/block-versions.repository';
import { type BlockColumns, BlocksRepository } from '../../libs/blocks/src/blocks.repository';
import { asTenant } from '../support/as-tenant';
import { createTestDatabase } from '../support/test-database';

/** The blocks repositories against a real PostgreSQL: their SQL, locks and tenant scoping. */
describe('blocks repositories', () => {
  let drop: () => Promise<void>;
  let dataSource: DataSource;
  let blocks: BlocksRepository;
  let versions: BlockVersionsRepository;
  let relations: BlockRelationsRepository;
  let transfer: BlockTransferRepository;
  const tenantA = uuidv7();
  const tenantB = uuidv7();

  const as = asTenant;
  const columns = (title: string, extra: Partial<BlockColumns> = {}): BlockColumns => ({
    title,
    content: `${title} body`,
    type: 'text',
    tags: ['t'],
    metadata: { k: 1 },
    ...extra,
  });
  const create = (tenantId: string, title: string, extra?: Partial<BlockColumns>) =>
    as(tenantId, () =>
      blocks.transaction((tx) => blocks.insert(tx, uuidv7(), columns(title, extra), null)),
    );

  beforeAll(async () => {
    const db = await createTestDatabase();
    drop = db.drop;
    dataSource = new DataSource(dataSourceOptions(db.url));
    await dataSource.initialize();
    await dataSource.query(`INSERT INTO tenants (id, name) VALUES ($1, 'a'), ($2, 'b')`, [
      tenantA,
      tenantB,
    ]);
    blocks = new BlocksRepository(dataSource);
    versions = new BlockVersionsRepository(dataSource);
    relations = new BlockRelationsRepository(dataSource);
    transfer = new BlockTransferRepository(dataSource);
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await drop?.();
  });

  it('finds a block only in its own tenant', async () => {
    const row = await create(tenantA, 'Mine');
    expect(await as(tenantA, () => blocks.findById(row.id))).toMatchObject({
      id: row.id,
      title: 'Mine',
      version: 1,
      tags: ['t'],
      metadata: { k: 1 },
    });
    expect(await as(tenantB, () => blocks.findById(row.id))).toBeNull();
    expect(await as(tenantB, () => blocks.findMany([row.id]))).toEqual([]);
    expect(await as(tenantB, () => blocks.transaction((tx) => blocks.isOwned(tx, row.id)))).toBe(
      false,
    );
    await expect(
      as(tenantB, () => blocks.transaction((tx) => blocks.update(tx, row.id, columns('x'), null))),
    ).resolves.toBeUndefined();
    expect((await as(tenantA, () => blocks.findById(row.id)))?.title).toBe('Mine');
  });

  it('refuses to run outside a request with a tenant', async () => {
    await expect(blocks.findById(uuidv7())).rejects.toThrow('No tenant');
    await expect(blocks.countLive()).rejects.toThrow('No tenant');
  });

  it('keeps each previous state as a version through update, delete and undelete', async () => {
    const row = await create(tenantA, 'History');
    await as(tenantA, () =>
      blocks.transaction(async (tx) => {
        expect(await blocks.lock(tx, row.id, false)).toMatchObject({ deleted: false });
        await versions.snapshot(tx, row.id);
        const updated = await blocks.update(tx, row.id, columns('History 2'), null);
        expect(updated).toMatchObject({ title: 'History 2', version: 2 });
        await versions.snapshot(tx, row.id);
        expect(await blocks.softDelete(tx, row.id, null)).toMatchObject({ version: 3 });
      }),
    );
    expect(await as(tenantA, () => blocks.findById(row.id))).toBeNull();
    expect(await as(tenantA, () => blocks.isLive(row.id))).toBe(false);
    expect(await as(tenantA, () => blocks.findMany([row.id]))).toMatchObject([{ deleted: true }]);
    const pinned = await as(tenantA, () =>
      versions.findPinned([
        { id: row.id, version: 1 },
        { id: row.id, version: 3 },
        { id: row.id, version: 9 },
      ]),
    );
    expect(pinned.map((p) => [p.version, p.content, p.deleted])).toEqual([
      [1, 'History body', false],
      [3, 'History 2 body', true],
    ]);

    await as(tenantA, () =>
      blocks.transaction(async (tx) => {
        expect(await blocks.lock(tx, row.id, false)).toBeNull();
        expect(await blocks.lock(tx, row.id, true)).toMatchObject({ deleted: true });
        await versions.snapshot(tx, row.id);
        expect(await blocks.undelete(tx, row.id, null)).toMatchObject({ version: 4 });
      }),
    );
    const page = await as(tenantA, () => versions.page(row.id, null, 10));
    expect(page.map((v) => [v.version, v.current, v.deleted])).toEqual([
      [4, true, false],
      [3, false, true],
      [2, false, false],
      [1, false, false],
    ]);
    expect(page[3]).toMatchObject({ title: 'History', content_length: 'History body'.length });
    expect(page[0]).not.toHaveProperty('content');
    expect(await as(tenantA, () => versions.page(row.id, 3, 1))).toMatchObject([{ version: 2 }]);
    expect(await as(tenantA, () => versions.findOne(row.id, 2))).toMatchObject({
      content: 'History 2 body',
      current: false,
    });
    expect(await as(tenantB, () => versions.findOne(row.id, 2))).toBeNull();
    expect(await as(tenantB, () => versions.page(row.id, null, 10))).toEqual([]);
  });

  it('relates live blocks once, walks the graph both ways and hides edges of deleted blocks', async () => {
    const [a, b, c] = [
      await create(tenantA, 'A'),
      await create(tenantA, 'B'),
      await create(tenantA, 'C'),
    ];
    const other = await create(tenantB, 'Other');
    await as(tenantA, () =>
      relations.transaction(async (tx) => {
        expect(await blocks.shareLive(tx, [a.id, b.id, other.id])).toEqual(
          expect.arrayContaining([a.id, b.id]),
        );
        expect(await blocks.shareLive(tx, [other.id])).toEqual([]);
        const edge = { sourceId: a.id, targetId: b.id, type: 'references', createdBy: null };
        expect(await relations.insert(tx, { id: uuidv7(), ...edge })).toMatchObject({
          source_id: a.id,
          target_id: b.id,
        });
        expect(await relations.insert(tx, { id: uuidv7(), ...edge })).toBeNull();
        await relations.insert(tx, {
          id: uuidv7(),
          sourceId: c.id,
          targetId: b.id,
          type: 'contains',
          createdBy: null,
        });
      }),
    );
    const walk = (tenantId: string, depth: number, type: string | null) =>
      as(tenantId, () => relations.transaction((tx) => relations.walk(tx, a.id, depth, type, 50)));
    expect((await walk(tenantA, 2, null)).map((n) => [n.title, n.depth])).toEqual([
      ['A', 0],
      ['B', 1],
      ['C', 2],
    ]);
    expect((await walk(tenantA, 2, 'references')).map((n) => n.title)).toEqual(['A', 'B']);
    expect(await walk(tenantB, 2, null)).toEqual([]);
    const edges = await as(tenantA, () =>
      relations.transaction((tx) => relations.edgesAmong(tx, [a.id, b.id, c.id], null)),
    );
    expect(edges).toHaveLength(2);

    await as(tenantA, () => blocks.transaction((tx) => blocks.softDelete(tx, c.id, null)));
    const hidden = edges.find((e) => e.source_id === c.id)!;
    expect(
      await as(tenantA, () =>
        relations.transaction((tx) => relations.deleteVisible(tx, b.id, hidden.id)),
      ),
    ).toBeNull();
    const visible = edges.find((e) => e.source_id === a.id)!;
    expect(
      await as(tenantB, () =>
        relations.transaction((tx) => relations.deleteVisible(tx, b.id, visible.id)),
      ),
    ).toBeNull();
    expect(
      await as(tenantA, () =>
        relations.transaction((tx) => relations.deleteVisible(tx, b.id, visible.id)),
      ),
    ).toMatchObject({ id: visible.id });
  });

  it('gives training rows newest first, cut at the size asked, and counts live blocks', async () => {
    const tenant = uuidv7();
    await dataSource.query(`INSERT INTO tenants (id, name) VALUES ($1, 'ml')`, [tenant]);
    await create(tenant, 'Old', { content: 'x'.repeat(50) });
    await create(tenant, 'New', { tags: ['a', 'b'] });
    const rows = await as(tenant, () => blocks.trainingRows(10, 5));
    expect(rows.map((r) => r.text)).toEqual(['New\nNew bo', `Old\n${'x'.repeat(6)}`]);
    expect(rows[0]).toMatchObject({ type: 'text', tags: ['a', 'b'] });
    expect(await as(tenant, () => blocks.trainingRows(10, 1))).toHaveLength(1);
    expect(await as(tenant, () => blocks.countLive())).toBe(2);
  });

  it('counts the live blocks of every tenant, outside any request', async () => {
    const before = await blocks.countAllLive();
    await create(tenantA, 'Counted');
    const gone = await create(tenantB, 'Gone');
    await as(tenantB, () => blocks.transaction((tx) => blocks.softDelete(tx, gone.id, null)));
    expect(await blocks.countAllLive()).toBe(before + 1);
  });

  it('exports the tenant’s live blocks in id order from one snapshot and releases the client once', async () => {
    const tenant = uuidv7();
    await dataSource.query(`INSERT INTO tenants (id, name) VALUES ($1, 'x')`, [tenant]);
    const made = [await create(tenant, 'E1'), await create(tenant, 'E2')];
    const gone = await create(tenant, 'E3');
    await as(tenant, () => blocks.transaction((tx) => blocks.softDelete(tx, gone.id, null)));
    const released = jest.fn();
    let onReleased!: () => void;
    const releasedOnce = new Promise<void>((resolve) => (onReleased = resolve));
    const cursor = await as(tenant, () =>
      transfer.openExport(10_000, () => {
        released();
        onReleased();
      }),
    );
    const ids: string[] = [];
    for await (const row of cursor.rows) ids.push((row as { id: string }).id);
    cursor.close();
    cursor.close();
    await releasedOnce;
    expect(ids).toEqual(made.map((m) => m.id).sort());
    expect(released).toHaveBeenCalledTimes(1);
  });

  it('undoes only the failed work of a savepoint and keeps the rest of the batch', async () => {
    const tenant = uuidv7();
    await dataSource.query(`INSERT INTO tenants (id, name) VALUES ($1, 'y')`, [tenant]);
    const kept = uuidv7();
    await as(tenant, () =>
      transfer.batch(5_000, async (tx) => {
        await transfer.inSavepoint(tx, () => blocks.insert(tx, kept, columns('Kept'), null));
        await expect(
          transfer.inSavepoint(tx, async () => {
            await blocks.insert(tx, uuidv7(), columns('Undone'), null);
            await blocks.insert(tx, kept, columns('Duplicate id'), null);
          }),
        ).rejects.toMatchObject({ driverError: expect.objectContaining({ code: '23505' }) });
      }),
    );
    expect(await as(tenant, () => blocks.countLive())).toBe(1);
    expect((await as(tenant, () => blocks.findById(kept)))?.title).toBe('Kept');
  });
});

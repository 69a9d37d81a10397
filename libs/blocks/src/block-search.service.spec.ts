import {
  ProblemException,
  RequestContext,
  type RequestStore,
  type TenantConcurrency,
  type VectorSearch,
} from '@app/common';
import type { BlockRow } from './block-row';
import { reciprocalRankFusion } from './block-search.fusion';
import type { BlockSearchRepository, SearchRow } from './block-search.repository';
import { BlockSearchService, pickTerms } from './block-search.service';
import { SearchMode } from './dto/search.dto';

const TENANT = '01936f0e-0000-7000-8000-00000000000a';
const USER = '01936f0e-0000-7000-8000-00000000000b';
const id = (n: number): string => `01936f0e-0000-7000-8000-${String(n).padStart(12, '0')}`;

function row(n: number, overrides: Partial<SearchRow> = {}): SearchRow {
  return {
    id: id(n),
    title: `Block ${n}`,
    content: 'content',
    type: 'text',
    tags: [],
    metadata: {},
    version: 1,
    created_at: new Date('2026-01-01T00:00:00.000Z'),
    updated_at: new Date('2026-01-02T00:00:00.000Z'),
    created_by: USER,
    updated_by: USER,
    score: 0,
    highlight: `\uE000Block\uE001 ${n}`,
    ...overrides,
  };
}

function fakeRepository() {
  const db = {};
  const repository = {
    withTimeout: jest.fn((_ms: number | undefined, fn: (client: unknown) => unknown) => fn(db)),
    search: jest.fn(async () => [] as SearchRow[]),
    rankedIds: jest.fn(async () => [] as Array<{ id: string; score: number }>),
    hitsByIds: jest.fn(async (_db: unknown, _t: string, ids: string[]) =>
      ids.map((i) => row(Number(i.slice(-12)))),
    ),
    blocksByIds: jest.fn(async (_db: unknown, _t: string, ids: string[]) =>
      ids.map((i) => row(Number(i.slice(-12))) as BlockRow),
    ),
    blockLexemes: jest.fn(async () => [{ lexeme: 'zeppelin', count: 2 }]),
    liveCount: jest.fn(async () => 100),
    sampleFrequencies: jest.fn(async () => [{ lexeme: 'common', count: 90 }]),
    moreLikeThis: jest.fn(async () => [{ ...row(7), score: 1.5 }]),
    suggestPrefix: jest.fn(async () => [] as Array<{ id: string; title: string }>),
    suggestFuzzy: jest.fn(async () => [] as Array<{ id: string; title: string }>),
  };
  return repository;
}

const concurrency = {
  run: jest.fn((_op: string, _tenant: string, fn: () => unknown) => fn()),
  statementTimeoutMs: () => 5000,
} as unknown as TenantConcurrency;

function vectors(overrides: Partial<VectorSearch> = {}): VectorSearch {
  return {
    configured: true,
    model: 'fake@3',
    nearestToText: jest.fn(async () => [
      { id: id(3), score: 0.9 },
      { id: id(1), score: 0.8 },
    ]),
    nearestToBlock: jest.fn(async () => [{ id: id(5), score: 0.7 }]),
    ...overrides,
  };
}

function inRequest<T>(fn: () => Promise<T>): Promise<T> {
  const store: RequestStore = {
    requestId: 'r',
    ip: '127.0.0.1',
    userAgent: null,
    method: 'GET',
    route: '/api/blocks/search',
    startedAt: 0n,
    principal: { userId: USER, tenantId: TENANT, username: 'u', role: 'user', method: 'jwt' },
  };
  return RequestContext.run(store, fn);
}

function service(repository = fakeRepository(), vector?: VectorSearch) {
  return new BlockSearchService(
    repository as unknown as BlockSearchRepository,
    repository,
    concurrency,
    vector,
  );
}

describe('reciprocalRankFusion', () => {
  it('sums 1 / (60 + rank) over the lists and breaks ties by id', () => {
    const fused = reciprocalRankFusion([
      ['a', 'b', 'c'],
      ['c', 'a'],
    ]);
    expect(fused.map((h) => h.id)).toEqual(['a', 'c', 'b']);
    expect(fused[0].score).toBeCloseTo(1 / 61 + 1 / 62, 12);
    expect(fused[1].score).toBeCloseTo(1 / 63 + 1 / 61, 12);
    expect(fused[2].score).toBeCloseTo(1 / 62, 12);
    expect(reciprocalRankFusion([['y'], ['x']]).map((h) => h.id)).toEqual(['x', 'y']);
  });
});

describe('BlockSearchService.search', () => {
  it('answers full text with method "fulltext" by default, in the search slot', async () => {
    const repository = fakeRepository();
    repository.search.mockResolvedValue([row(1, { score: 0.5 })]);
    const page = await inRequest(() => service(repository).search({ q: 'block' }));
    expect(page.method).toBe('fulltext');
    expect(page.items[0]).toMatchObject({
      id: id(1),
      score: 0.5,
      highlight: '<mark>Block</mark> 1',
    });
    expect(repository.search).toHaveBeenCalledWith({}, expect.objectContaining({ limit: 21 }));
    expect(concurrency.run).toHaveBeenCalledWith('search', TENANT, expect.any(Function));
  });

  it('refuses semantic with 503 EMBEDDINGS_NOT_CONFIGURED without a provider', async () => {
    for (const vector of [undefined, vectors({ configured: false })]) {
      const error = await inRequest(() =>
        service(fakeRepository(), vector).search({ q: 'x', mode: SearchMode.SEMANTIC }),
      ).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ProblemException);
      expect(error).toMatchObject({ status: 503, reason: 'EMBEDDINGS_NOT_CONFIGURED' });
    }
  });

  it('answers hybrid without a provider with full-text results and method "fulltext"', async () => {
    const repository = fakeRepository();
    repository.search.mockResolvedValue([row(2, { score: 0.3 })]);
    const page = await inRequest(() =>
      service(repository, undefined).search({ q: 'x', mode: SearchMode.HYBRID }),
    );
    expect(page.method).toBe('fulltext');
    expect(page.items.map((i) => i.id)).toEqual([id(2)]);
    expect(repository.rankedIds).not.toHaveBeenCalled();
  });

  it('fuses full-text and vector ranks for hybrid, and pages within the window', async () => {
    const repository = fakeRepository();
    repository.rankedIds.mockResolvedValue([
      { id: id(1), score: 0.9 },
      { id: id(2), score: 0.5 },
    ]);
    const svc = service(repository, vectors());
    const first = await inRequest(() => svc.search({ q: 'x', mode: SearchMode.HYBRID, limit: 2 }));
    expect(first.method).toBe('hybrid');
    // id 1: ranks 1 and 2; id 3: rank 1 in vectors only; id 2: rank 2 in full text only.
    expect(first.items.map((i) => i.id)).toEqual([id(1), id(3)]);
    expect(first.items[0].score).toBeCloseTo(1 / 61 + 1 / 62, 12);
    const second = await inRequest(() =>
      svc.search({ q: 'x', mode: SearchMode.HYBRID, limit: 2, cursor: first.nextCursor! }),
    );
    expect(second.items.map((i) => i.id)).toEqual([id(2)]);
    expect(second.nextCursor).toBeNull();
  });

  it('ranks semantic by the vector hits alone and refuses a cursor of another mode', async () => {
    const repository = fakeRepository();
    const svc = service(repository, vectors());
    const page = await inRequest(() => svc.search({ q: 'x', mode: SearchMode.SEMANTIC }));
    expect(page).toMatchObject({ method: 'semantic', nextCursor: null });
    expect(page.items.map((i) => [i.id, i.score])).toEqual([
      [id(3), 0.9],
      [id(1), 0.8],
    ]);
    expect(repository.rankedIds).not.toHaveBeenCalled();
    const hybridCursor = Buffer.from(JSON.stringify({ m: 'hybrid', o: 2 })).toString('base64url');
    await expect(
      inRequest(() => svc.search({ q: 'x', mode: SearchMode.SEMANTIC, cursor: hybridCursor })),
    ).rejects.toMatchObject({ status: 400 });
  });

  it('drops vector hits whose block is gone', async () => {
    const repository = fakeRepository();
    repository.hitsByIds.mockResolvedValue([row(1)]);
    const page = await inRequest(() =>
      service(repository, vectors()).search({ q: 'x', mode: SearchMode.SEMANTIC }),
    );
    expect(page.items.map((i) => i.id)).toEqual([id(1)]);
  });
});

describe('BlockSearchService.similar', () => {
  it('uses the nearest embeddings when the provider has a vector for the block', async () => {
    const repository = fakeRepository();
    const result = await inRequest(() => service(repository, vectors()).similar(id(9), 5));
    expect(result.method).toBe('embedding');
    expect(result.items.map((i) => [i.id, i.score])).toEqual([[id(5), 0.7]]);
    expect(repository.moreLikeThis).not.toHaveBeenCalled();
  });

  it('falls back to lexical without a provider or without a vector for the block', async () => {
    for (const vector of [
      undefined,
      vectors({ configured: false }),
      vectors({ nearestToBlock: jest.fn(async () => null) }),
    ]) {
      const repository = fakeRepository();
      const result = await inRequest(() => service(repository, vector).similar(id(9), 5));
      expect(result).toMatchObject({ method: 'lexical', items: [{ id: id(7), score: 1.5 }] });
      expect(repository.moreLikeThis).toHaveBeenCalledWith(
        {},
        TENANT,
        id(9),
        [{ lexeme: 'zeppelin', idf: Math.log(1 + 100 / 1) }],
        5,
        1000,
      );
    }
  });

  it('is a 404 for a block that does not exist (or belongs to another tenant)', async () => {
    const repository = fakeRepository();
    repository.blockLexemes.mockResolvedValue([]);
    repository.blocksByIds.mockResolvedValue([]);
    await expect(inRequest(() => service(repository).similar(id(9)))).rejects.toMatchObject({
      status: 404,
    });
  });

  it('measures document frequencies once per tenant and reuses them', async () => {
    const repository = fakeRepository();
    const svc = service(repository);
    await inRequest(() => svc.similar(id(9)));
    await inRequest(() => svc.similar(id(8)));
    expect(repository.sampleFrequencies).toHaveBeenCalledTimes(1);
  });
});

describe('pickTerms', () => {
  it('keeps the terms with the highest count × rarity', () => {
    const frequencies = {
      documents: 1000,
      frequencies: new Map([
        ['the', 900],
        ['pump', 10],
        ['and', 400],
      ]),
      measuredAt: 0,
    };
    const terms = pickTerms(
      [
        { lexeme: 'the', count: 9 },
        { lexeme: 'pump', count: 1 },
        { lexeme: 'valv', count: 1 },
        { lexeme: 'and', count: 1 },
      ],
      frequencies,
      3,
    );
    // 'the' is in more than half of the blocks: left out however often the block says it.
    expect(terms.map((t) => t.lexeme)).toEqual(['valv', 'pump', 'and']);
  });
});

describe('pickTerms on a small tenant', () => {
  it('keeps words common to most of a few blocks, ranked by tf-idf with the rest', () => {
    const frequencies = {
      documents: 4,
      frequencies: new Map([
        ['pump', 3],
        ['impel', 3],
      ]),
      measuredAt: 0,
    };
    const terms = pickTerms(
      [
        { lexeme: 'pump', count: 2 },
        { lexeme: 'seal', count: 1 },
        { lexeme: 'impel', count: 2 },
      ],
      frequencies,
      3,
    );
    expect(terms.map((t) => t.lexeme)).toEqual(['seal', 'impel', 'pump']);
  });
});

import { RequestContext, TenantConcurrency } from '@app/common';
import { loadConfig } from '@app/config';
import type { EmbeddingsRepository } from './embeddings.repository';
import { EmbeddingsService } from './embeddings.service';
import type { EmbeddingProvider } from './provider/embedding-provider';
import type { VectorStore } from './storage/vector-store';

describe('EmbeddingsService', () => {
  const fairness = loadConfig({
    DATA_DIR: '/tmp/cb-embeddings-spec',
    JWT_SECRET: 'x'.repeat(40),
  }).fairness;
  const unit = Float32Array.from([1, 0]);
  const repository = {
    coverage: jest.fn().mockResolvedValue({ total: 5, embedded: 3 }),
    countLive: jest.fn().mockResolvedValue(4),
  } as unknown as EmbeddingsRepository & { coverage: jest.Mock; countLive: jest.Mock };
  const provider = (configured: boolean) =>
    ({
      configured,
      model: configured ? 'bow' : null,
      dimensions: configured ? 2 : null,
      embed: jest.fn().mockResolvedValue([unit]),
    }) as unknown as EmbeddingProvider & { embed: jest.Mock };
  const store = () =>
    ({
      kind: 'bytea',
      save: jest.fn(),
      vectorOf: jest.fn().mockResolvedValue(null),
      nearest: jest.fn().mockResolvedValue([{ id: 'b1', score: 0.9 }]),
    }) as unknown as VectorStore & { vectorOf: jest.Mock; nearest: jest.Mock };

  beforeEach(() => jest.spyOn(RequestContext, 'tenantId').mockReturnValue('tenant-a'));
  afterEach(() => jest.restoreAllMocks());

  it('reports provider none with the live block count and no backlog without a provider', async () => {
    const service = new EmbeddingsService(
      provider(false),
      repository,
      new TenantConcurrency(fairness),
      null,
    );
    expect(service.configured).toBe(false);
    expect(service.model).toBeNull();
    await expect(service.status()).resolves.toEqual({
      provider: 'none',
      model: null,
      dimensions: null,
      blocksEmbedded: 0,
      blocksTotal: 4,
      backlog: 0,
    });
    await expect(service.nearestToText('tenant-a', 'x', 5)).rejects.toMatchObject({
      status: 503,
      reason: 'EMBEDDINGS_NOT_CONFIGURED',
    });
  });

  it("reports the configured model's coverage of the request's tenant", async () => {
    const service = new EmbeddingsService(
      provider(true),
      repository,
      new TenantConcurrency(fairness),
      store(),
    );
    expect(service.model).toBe('bow@2');
    await expect(service.status()).resolves.toMatchObject({
      provider: 'openai',
      blocksEmbedded: 3,
      blocksTotal: 5,
      backlog: 2,
    });
    expect(repository.coverage).toHaveBeenCalledWith('tenant-a', 'bow', 2);
  });

  it('answers null for a block without a vector, and clamps the neighbour count', async () => {
    const vectors = store();
    const service = new EmbeddingsService(
      provider(true),
      repository,
      new TenantConcurrency(fairness),
      vectors,
    );
    await expect(service.nearestToBlock('tenant-a', 'b0', 5)).resolves.toBeNull();
    expect(vectors.nearest).not.toHaveBeenCalled();
    vectors.vectorOf.mockResolvedValue(unit);
    await service.nearestToBlock('tenant-a', 'b0', 10_000);
    expect(vectors.nearest).toHaveBeenCalledWith('tenant-a', unit, 100, 'b0');
  });

  it("runs vector queries in the tenant's embed slots: over the cap a 429", async () => {
    const limiter = new TenantConcurrency({
      ...fairness,
      tenantConcurrency: { ...fairness.tenantConcurrency, embed: 1 },
      waitMs: 0,
    });
    const vectors = store();
    let finish!: () => void;
    vectors.nearest.mockReturnValueOnce(new Promise((resolve) => (finish = () => resolve([]))));
    const service = new EmbeddingsService(provider(true), repository, limiter, vectors);
    const first = service.nearestToText('tenant-a', 'x', 5);
    await new Promise((r) => setImmediate(r));
    await expect(service.nearestToText('tenant-a', 'y', 5)).rejects.toMatchObject({
      status: 429,
    });
    await expect(service.nearestToText('tenant-b', 'y', 5)).resolves.toHaveLength(1);
    finish();
    await expect(first).resolves.toEqual([]);
  });
});

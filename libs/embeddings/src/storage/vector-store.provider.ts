import type { Provider } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { LOGGER, TenantConcurrency } from '@app/common';
import { AppConfig } from '@app/config';
import { pgPool } from '@app/database';
import { EmbeddingsRepository } from '../embeddings.repository';
import { ByteaVectorsRepository } from './bytea-vectors.repository';
import { PgvectorVectorsRepository } from './pgvector-vectors.repository';
import type { VectorStore } from './vector-store';

export const VECTOR_STORE = Symbol('VECTOR_STORE');

/**
 * Picks the storage once at start-up: pgvector when the `vector` extension is installed or can
 * be created here, else float32 bytea with an exact scan. Null without a provider.
 */
export const VECTOR_STORE_PROVIDER: Provider = {
  provide: VECTOR_STORE,
  inject: [AppConfig, getDataSourceToken(), EmbeddingsRepository, TenantConcurrency, LOGGER],
  useFactory: async (
    config: AppConfig,
    dataSource: DataSource,
    bookkeeping: EmbeddingsRepository,
    concurrency: TenantConcurrency,
    logger: Logger,
  ): Promise<VectorStore | null> => {
    const { provider, model, dimensions, scanMaxVectors } = config.embeddings;
    if (provider === 'none' || !model || !dimensions) return null;
    const space = { model, dimensions };
    const timeoutMs = concurrency.statementTimeoutMs('embed');
    if (await pgvectorUsable(bookkeeping, logger)) {
      const store = new PgvectorVectorsRepository(
        dataSource,
        pgPool(dataSource),
        bookkeeping,
        space,
        timeoutMs,
      );
      await store.prepare();
      logger.info({ storage: 'pgvector', table: store.table, model, dimensions }, 'embeddings');
      return store;
    }
    logger.info({ storage: 'bytea', model, dimensions, scanMaxVectors }, 'embeddings');
    return new ByteaVectorsRepository(
      dataSource,
      pgPool(dataSource),
      bookkeeping,
      space,
      scanMaxVectors,
      timeoutMs,
    );
  },
};

async function pgvectorUsable(bookkeeping: EmbeddingsRepository, logger: Logger): Promise<boolean> {
  const state = await bookkeeping.vectorExtension();
  if (state === 'installed') return true;
  if (state === 'missing') return false;
  try {
    await bookkeeping.createVectorExtension();
    return true;
  } catch (error) {
    logger.warn(
      { err: error },
      'pgvector is available but this role may not create it (CREATE EXTENSION vector); using bytea',
    );
    return false;
  }
}

import type { Readable } from 'node:stream';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Pool, PoolClient } from 'pg';
import QueryStream from 'pg-query-stream';
import type { DataSource, EntityManager } from 'typeorm';
import { RequestContext } from '@app/common';
import { pgPool, setStatementTimeout } from '@app/database';
import { BLOCK_COLUMNS } from './block-row';

/** Rows fetched per cursor round trip: bounds memory even when blocks hold 1 MiB each. */
export const EXPORT_BATCH_ROWS = 32;

const EXPORT_ROWS = `SELECT ${BLOCK_COLUMNS} FROM blocks WHERE tenant_id = $1 AND deleted_at IS NULL ORDER BY id`;

/** An open export: block rows from one snapshot, on a connection of its own. */
export interface ExportCursor {
  /** Object stream of `BlockRow`s, in id order. */
  rows: Readable;
  /** Ends the snapshot and gives the connection back (discarded after an error). Once only. */
  close(error?: Error): void;
}

/** The connections and transactions of NDJSON export and import. */
@Injectable()
export class BlockTransferRepository {
  private readonly pool: Pool;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.pool = pgPool(dataSource);
  }

  /**
   * Opens a REPEATABLE READ, read-only snapshot of the tenant's live blocks on a dedicated pool
   * client, its statements capped at `limitMs`. `onReleased` runs once the client is back in
   * the pool, however the export ended (only after a successful open).
   */
  async openExport(limitMs: number, onReleased: () => void): Promise<ExportCursor> {
    const client: PoolClient = await this.pool.connect();
    let released = false;
    // A connection lost between queries is emitted on the client: without a listener it would
    // crash the process; here it just ends this export.
    const onClientError = (error: Error): void => release(error);
    const release = (error?: Error): void => {
      if (released) return;
      released = true;
      client.off('error', onClientError);
      // A connection left mid-cursor is discarded rather than reused.
      client.release(error ?? undefined);
      onReleased();
    };
    client.on('error', onClientError);
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      await client.query(`SET LOCAL statement_timeout = ${Math.max(1, Math.floor(limitMs))}`);
    } catch (error) {
      released = true;
      client.off('error', onClientError);
      client.release(error as Error);
      throw error;
    }
    const rows = client.query(
      new QueryStream(EXPORT_ROWS, [RequestContext.tenantId()], {
        batchSize: EXPORT_BATCH_ROWS,
        highWaterMark: EXPORT_BATCH_ROWS,
      }),
    );
    return {
      rows,
      close: (error) => {
        if (released) return;
        if (error) return release(error);
        client.query('COMMIT').then(
          () => release(),
          (commitError: Error) => release(commitError),
        );
      },
    };
  }

  /** A transaction of one import batch, its statements capped at `timeoutMs`. */
  batch<T>(timeoutMs: number | undefined, work: (tx: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(async (tx) => {
      await setStatementTimeout(tx, timeoutMs);
      return work(tx);
    });
  }

  /** Runs `work` inside a savepoint: a failure undoes only its own writes, then rethrows. */
  async inSavepoint<T>(tx: EntityManager, work: () => Promise<T>): Promise<T> {
    await tx.query('SAVEPOINT import_line');
    try {
      const result = await work();
      await tx.query('RELEASE SAVEPOINT import_line');
      return result;
    } catch (error) {
      await tx.query('ROLLBACK TO SAVEPOINT import_line');
      throw error;
    }
  }
}

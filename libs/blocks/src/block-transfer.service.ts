import { Readable, Transform, pipeline } from 'node:stream';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import type { Pool, PoolClient } from 'pg';
import QueryStream from 'pg-query-stream';
import type { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { AppConfig } from '@app/config';
import {
  type JsonShapeLimits,
  MAX_JSON_DEPTH,
  ProblemException,
  type Release,
  RequestContext,
  TenantConcurrency,
  VALIDATOR_OPTIONS,
  flattenValidationErrors,
  isQueryCancelled,
  findReservedKey,
  jsonShapeViolation,
  sqlState,
} from '@app/common';
import { pgPool, setStatementTimeout } from '@app/database';
import { BLOCK_COLUMNS, type BlockRow, toBlockDto } from './block-row';
import { blockLimits } from './block-limits';
import { BlocksErrorCode, BlocksException } from './blocks.exception';
import { BlocksService } from './blocks.service';
import { ImportLineDto, type ImportResultDto } from './dto/import.dto';
import { NDJSON } from './ndjson';
import { type NdjsonLine, ndjsonLines } from './ndjson-lines';
import { queryRows } from './sql';

/** Rows fetched per cursor round trip: bounds memory even when blocks hold 1 MiB each. */
const EXPORT_BATCH_ROWS = 32;
/** Longest an export may stream, and longest it may wait for a client that stopped reading. */
const EXPORT_MAX_MS = 30 * 60_000;
const EXPORT_STALL_MS = 60_000;
/** Lines per import transaction, and the most text held for one batch. */
const IMPORT_BATCH_LINES = 100;
const IMPORT_BATCH_BYTES = 8 * 1024 * 1024;
/** At most this many failures are listed; `failedCount` has them all. */
export const MAX_LISTED_FAILURES = 1000;

/**
 * NDJSON export straight from a database cursor and NDJSON import as a stream, both in
 * constant memory whatever the tenant's size.
 */
@Injectable()
export class BlockTransferService {
  private readonly pool: Pool;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly blocks: BlocksService,
    private readonly config: AppConfig,
    private readonly concurrency: TenantConcurrency,
  ) {
    this.pool = pgPool(dataSource);
  }

  /**
   * Every live block of the tenant as NDJSON, in id order, from one REPEATABLE READ snapshot.
   * A dedicated pool client holds the cursor; the stream pulls the next batch only when the
   * response has drained (backpressure), and the client goes back to the pool when the
   * stream ends, fails or the client disconnects. Each export holds that connection for its
   * whole duration, so it holds a slot of the tenant's export cap just as long.
   */
  async export(): Promise<Readable> {
    const tenantId = RequestContext.tenantId();
    const slot: Release = await this.concurrency.acquire('export', tenantId);
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      slot();
      throw error;
    }
    let released = false;
    // A connection lost between queries is emitted on the client: without a listener it would
    // crash the process; here it just ends this export.
    const onClientError = (error: Error): void => release(error);
    client.on('error', onClientError);
    const release = (error?: Error): void => {
      if (released) return;
      released = true;
      client.off('error', onClientError);
      slot();
      // A connection left mid-cursor is discarded rather than reused.
      client.release(error ?? undefined);
    };
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      // A slow reader may keep the cursor open longer than the default statement timeout, but
      // never longer than this hard cap.
      const limitMs = this.concurrency.statementTimeoutMs('export') ?? EXPORT_MAX_MS;
      await client.query(`SET LOCAL statement_timeout = ${Math.floor(limitMs)}`);
    } catch (error) {
      release(error as Error);
      throw error;
    }
    const rows = client.query(
      new QueryStream(
        `SELECT ${BLOCK_COLUMNS} FROM blocks WHERE tenant_id = $1 AND deleted_at IS NULL ORDER BY id`,
        [tenantId],
        { batchSize: EXPORT_BATCH_ROWS, highWaterMark: EXPORT_BATCH_ROWS },
      ),
    );
    // A client that stops reading would pin the connection (and its snapshot): with no
    // progress for EXPORT_STALL_MS the stream is destroyed and the connection released.
    let lastProgress = Date.now();
    const lines = new Transform({
      writableObjectMode: true,
      writableHighWaterMark: EXPORT_BATCH_ROWS,
      transform(row: BlockRow, _encoding, callback) {
        lastProgress = Date.now();
        callback(null, `${JSON.stringify(toBlockDto(row))}\n`);
      },
    });
    const watchdog = setInterval(() => {
      if (Date.now() - lastProgress > EXPORT_STALL_MS) {
        lines.destroy(new Error('export stalled: the client stopped reading'));
      }
    }, EXPORT_STALL_MS / 4);
    watchdog.unref();
    pipeline(rows, lines, (error) => {
      clearInterval(watchdog);
      if (error) {
        release(error);
        return;
      }
      client.query('COMMIT').then(
        () => release(),
        (commitError: Error) => release(commitError),
      );
    });
    return lines;
  }

  /**
   * Upserts each NDJSON line by id within the caller's tenant. Lines are validated like a
   * create body; each is written inside its own savepoint of a batch transaction, so a bad
   * line is reported and never spoils the others.
   */
  async import(
    body: AsyncIterable<Buffer | string>,
    headers: { contentType?: string; contentLength?: string } = {},
  ): Promise<ImportResultDto> {
    const maxTotal = this.config.blocks.importMaxBytes;
    if (!(headers.contentType ?? '').toLowerCase().startsWith(NDJSON)) {
      throw new BlocksException(BlocksErrorCode.UNSUPPORTED_IMPORT_TYPE);
    }
    if (Number(headers.contentLength) > maxTotal) {
      throw new BlocksException(
        BlocksErrorCode.IMPORT_TOO_LARGE,
        `The import body may be at most ${maxTotal} bytes (BLOCKS_IMPORT_MAX_BYTES)`,
      );
    }
    // The slot is held while the body streams in: batches take connections all along.
    return this.concurrency.run('import', RequestContext.tenantId(), () => this.importLines(body));
  }

  private async importLines(body: AsyncIterable<Buffer | string>): Promise<ImportResultDto> {
    const maxTotal = this.config.blocks.importMaxBytes;
    const limits = blockLimits();
    const result: ImportResultDto & { failedCount: number } = {
      created: 0,
      updated: 0,
      failed: [],
      failedCount: 0,
    };
    const fail = (line: number, error: string): void => {
      result.failedCount++;
      if (result.failed.length < MAX_LISTED_FAILURES) result.failed.push({ line, error });
    };
    const source = ndjsonLines(body, {
      // A line holds one block: its content (JSON-escaped, so up to 2x), metadata and fields.
      maxLineBytes: limits.maxContentBytes * 2 + limits.maxMetadataBytes * 2 + 64 * 1024,
      maxTotalBytes: maxTotal,
      onTruncated: (line) => {
        result.truncated = true;
        fail(
          line,
          `the import is larger than ${maxTotal} bytes; this line and the rest were not read`,
        );
      },
    });

    const shape: JsonShapeLimits = {
      maxDepth: MAX_JSON_DEPTH,
      maxKeys: this.config.input.maxObjectKeys,
      maxItems: this.config.input.maxArrayItems,
    };
    let batch: Array<{ line: number; dto: ImportLineDto }> = [];
    let batchBytes = 0;
    for await (const entry of source) {
      const parsed = await parseLine(entry, shape);
      if ('error' in parsed) {
        fail(parsed.line, parsed.error);
        continue;
      }
      batch.push(parsed);
      batchBytes += entry.text?.length ?? 0;
      if (batch.length >= IMPORT_BATCH_LINES || batchBytes >= IMPORT_BATCH_BYTES) {
        await this.writeBatch(batch, result, fail);
        batch = [];
        batchBytes = 0;
      }
    }
    if (batch.length) await this.writeBatch(batch, result, fail);
    result.failed.sort((a, b) => a.line - b.line);
    return result;
  }

  private async writeBatch(
    batch: Array<{ line: number; dto: ImportLineDto }>,
    result: ImportResultDto,
    fail: (line: number, error: string) => void,
  ): Promise<void> {
    const runner: QueryRunner = this.dataSource.createQueryRunner();
    await runner.connect();
    let created = 0;
    let updated = 0;
    const failedHere: Array<[number, string]> = [];
    const timeoutMs = this.concurrency.statementTimeoutMs('import');
    try {
      await runner.startTransaction();
      await setStatementTimeout(runner.manager, timeoutMs);
      for (const { line, dto } of batch) {
        await runner.query('SAVEPOINT import_line');
        try {
          const outcome = await this.upsert(runner.manager, dto);
          await runner.query('RELEASE SAVEPOINT import_line');
          if (outcome === 'created') created++;
          else updated++;
        } catch (error) {
          await runner.query('ROLLBACK TO SAVEPOINT import_line');
          failedHere.push([line, describe(error, timeoutMs)]);
        }
      }
      await runner.commitTransaction();
      result.created += created;
      result.updated += updated;
      for (const [line, message] of failedHere) fail(line, message);
    } catch (error) {
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      // The batch could not commit: none of its lines was stored.
      for (const { line } of batch)
        fail(line, `could not be stored: ${describe(error, timeoutMs)}`);
    } finally {
      await runner.release();
    }
  }

  private async upsert(manager: EntityManager, dto: ImportLineDto): Promise<'created' | 'updated'> {
    const fields = {
      title: dto.title,
      content: dto.content,
      type: dto.type,
      tags: dto.tags,
      metadata: dto.metadata,
    };
    if (!dto.id) {
      await this.blocks.createIn(manager, fields, undefined, 'block.import');
      return 'created';
    }
    const id = dto.id.toLowerCase();
    const [owned] = await queryRows<{ id: string }>(
      manager,
      `SELECT id FROM blocks WHERE id = $1 AND tenant_id = $2`,
      [id, RequestContext.tenantId()],
    );
    if (!owned) {
      // Not this tenant's id (free or another tenant's, alike): a new block with a new id.
      await this.blocks.createIn(manager, fields, undefined, 'block.import');
      return 'created';
    }
    // A deleted block comes back with the imported state.
    await this.blocks.updateIn(manager, id, fields, {
      includeDeleted: true,
      action: 'block.import',
    });
    return 'updated';
  }
}

async function parseLine(
  entry: NdjsonLine,
  shape: JsonShapeLimits,
): Promise<{ line: number; dto: ImportLineDto } | { line: number; error: string }> {
  if (entry.error !== undefined) return { line: entry.line, error: entry.error };
  // Depth and width before JSON.parse and class-transformer, like a JSON body.
  const violation = jsonShapeViolation(entry.text, shape);
  if (violation) return { line: entry.line, error: `line is refused: ${violation}` };
  let value: unknown;
  try {
    value = JSON.parse(entry.text);
  } catch {
    return { line: entry.line, error: 'line is not valid JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { line: entry.line, error: 'line must be a JSON object' };
  }
  const reserved = findReservedKey(value);
  if (reserved) return { line: entry.line, error: `the key "${reserved}" is not allowed` };
  const dto = plainToInstance(ImportLineDto, value);
  const errors = await validate(dto, VALIDATOR_OPTIONS);
  if (errors.length) {
    return {
      line: entry.line,
      error: flattenValidationErrors(errors)
        .map((e) => `${e.field} ${e.message}`)
        .join('; '),
    };
  }
  return { line: entry.line, dto };
}

function describe(error: unknown, timeoutMs?: number): string {
  if (error instanceof ProblemException) return error.detail;
  if (isQueryCancelled(error)) {
    const limit = timeoutMs === undefined ? 'its time limit' : `its ${timeoutMs} ms limit`;
    return `a statement took longer than ${limit} and was cancelled`;
  }
  const code = sqlState(error);
  if (code === '23505') return 'a block with this id already exists';
  if (code?.startsWith('22')) return 'a value is malformed or out of range';
  return 'could not be stored';
}

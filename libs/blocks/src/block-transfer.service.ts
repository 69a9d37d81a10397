import { Readable, Transform, pipeline } from 'node:stream';
import { Injectable } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import type { EntityManager } from 'typeorm';
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
import { type BlockRow, toBlockDto } from './block-row';
import { blockLimits } from './block-limits';
import {
  BlockTransferRepository,
  EXPORT_BATCH_ROWS,
  type ExportCursor,
} from './block-transfer.repository';
import { BlocksErrorCode, BlocksException } from './blocks.exception';
import { BlocksRepository } from './blocks.repository';
import { BlocksService } from './blocks.service';
import { ImportLineDto, type ImportResultDto } from './dto/import.dto';
import { NDJSON } from './ndjson';
import { type NdjsonLine, ndjsonLines } from './ndjson-lines';

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
  constructor(
    private readonly repository: BlockTransferRepository,
    private readonly blockRows: BlocksRepository,
    private readonly blocks: BlocksService,
    private readonly config: AppConfig,
    private readonly concurrency: TenantConcurrency,
  ) {}

  /**
   * Every live block of the tenant as NDJSON, in id order, from one REPEATABLE READ snapshot.
   * A dedicated pool client holds the cursor; the stream pulls the next batch only when the
   * response has drained (backpressure), and the client goes back to the pool when the
   * stream ends, fails or the client disconnects. Each export holds that connection for its
   * whole duration, so it holds a slot of the tenant's export cap just as long.
   */
  async export(): Promise<Readable> {
    const slot: Release = await this.concurrency.acquire('export', RequestContext.tenantId());
    // A slow reader may keep the cursor open longer than the default statement timeout, but
    // never longer than this hard cap.
    const limitMs = this.concurrency.statementTimeoutMs('export') ?? EXPORT_MAX_MS;
    let cursor: ExportCursor;
    try {
      cursor = await this.repository.openExport(limitMs, slot);
    } catch (error) {
      slot();
      throw error;
    }
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
    pipeline(cursor.rows, lines, (error) => {
      clearInterval(watchdog);
      cursor.close(error ?? undefined);
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
    let created = 0;
    let updated = 0;
    const failedHere: Array<[number, string]> = [];
    const timeoutMs = this.concurrency.statementTimeoutMs('import');
    try {
      await this.repository.batch(timeoutMs, async (tx) => {
        for (const { line, dto } of batch) {
          try {
            const outcome = await this.repository.inSavepoint(tx, () => this.upsert(tx, dto));
            if (outcome === 'created') created++;
            else updated++;
          } catch (error) {
            failedHere.push([line, describe(error, timeoutMs)]);
          }
        }
      });
      result.created += created;
      result.updated += updated;
      for (const [line, message] of failedHere) fail(line, message);
    } catch (error) {
      // The batch could not commit: none of its lines was stored.
      for (const { line } of batch)
        fail(line, `could not be stored: ${describe(error, timeoutMs)}`);
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
    if (!(await this.blockRows.isOwned(manager, id))) {
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

import { Injectable } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { AuditService } from '@app/audit';
import {
  ErrorCode,
  type FieldError,
  ProblemException,
  RequestContext,
  TenantConcurrency,
  VALIDATOR_OPTIONS,
  flattenValidationErrors,
  sqlState,
} from '@app/common';
import { setStatementTimeout } from '@app/database';
import { BlocksErrorCode } from './blocks.exception';
import { BlocksRepository } from './blocks.repository';
import { BlocksService } from './blocks.service';
import {
  BulkOp,
  type BulkOperationDto,
  type BulkRequestDto,
  type BulkResponseDto,
  type BulkResultDto,
} from './dto/bulk.dto';
import { CreateBlockDto } from './dto/create-block.dto';
import { UpdateBlockDto } from './dto/update-block.dto';

/**
 * Up to 500 creates, updates and deletes in one transaction: all commit or none does. Every
 * operation is validated before anything is written; a failure names the operation's index.
 */
@Injectable()
export class BlockBulkService {
  constructor(
    private readonly repository: BlocksRepository,
    private readonly blocks: BlocksService,
    private readonly audit: AuditService,
    private readonly concurrency: TenantConcurrency,
  ) {}

  async apply(request: BulkRequestDto): Promise<BulkResponseDto> {
    const prepared = request.operations.map((operation, index) => prepare(operation, index));
    const errors = prepared.flatMap((p) => p.errors);
    if (errors.length) {
      const first = prepared.findIndex((p) => p.errors.length);
      throw new ProblemException({
        status: 400,
        code: ErrorCode.VALIDATION_FAILED,
        reason: BlocksErrorCode.INVALID_BULK_OPERATION,
        detail: `operations[${first}] is invalid: ${prepared[first].errors
          .map((e) => `${e.field} ${e.message}`)
          .join('; ')}`,
        errors,
      });
    }

    // Validation above is CPU only; the transaction holds a connection, so it counts.
    return this.concurrency.run('bulk', RequestContext.tenantId(), () => this.write(prepared));
  }

  private write(prepared: Prepared[]): Promise<BulkResponseDto> {
    return this.repository.transaction(async (manager) => {
      await setStatementTimeout(manager, this.concurrency.statementTimeoutMs('bulk'));
      const results: BulkResultDto[] = [];
      const counts = { create: 0, update: 0, delete: 0 };
      for (const [index, { operation, data }] of prepared.entries()) {
        try {
          if (operation.op === BulkOp.CREATE) {
            const block = await this.blocks.createIn(manager, data as CreateBlockDto);
            results.push({ index, op: operation.op, id: block.id, block });
          } else if (operation.op === BulkOp.UPDATE) {
            const id = operation.id!.toLowerCase();
            const block = await this.blocks.updateIn(manager, id, data as UpdateBlockDto);
            results.push({ index, op: operation.op, id, block });
          } else {
            const id = operation.id!.toLowerCase();
            await this.blocks.removeIn(manager, id);
            results.push({ index, op: operation.op, id });
          }
          counts[operation.op]++;
        } catch (error) {
          throw failedAt(index, operation.op, error);
        }
      }
      await this.audit.record(manager, {
        action: 'block.bulk',
        resourceType: 'block',
        resourceId: null,
        changes: { before: null, after: { operations: results.length, ...counts } },
      });
      return { results };
    });
  }
}

interface Prepared {
  operation: BulkOperationDto;
  data?: CreateBlockDto | UpdateBlockDto;
  errors: FieldError[];
}

function prepare(operation: BulkOperationDto, index: number): Prepared {
  const at = `operations.${index}`;
  const errors: FieldError[] = [];
  if (operation.op !== BulkOp.CREATE && !operation.id) {
    errors.push({ field: `${at}.id`, message: `is required for ${operation.op}` });
  }
  // Ids are global: a chosen id that another tenant holds would answer differently from a free one.
  if (operation.op === BulkOp.CREATE && operation.id !== undefined) {
    errors.push({ field: `${at}.id`, message: 'must be absent for create (the server makes ids)' });
  }
  if (operation.op === BulkOp.DELETE) {
    if (operation.data !== undefined) {
      errors.push({ field: `${at}.data`, message: 'must be absent for delete' });
    }
    return { operation, errors };
  }
  if (operation.data === undefined) {
    errors.push({ field: `${at}.data`, message: `is required for ${operation.op}` });
    return { operation, errors };
  }
  const type = operation.op === BulkOp.CREATE ? CreateBlockDto : UpdateBlockDto;
  const data = plainToInstance(type, operation.data);
  errors.push(...flattenValidationErrors(validateSync(data, VALIDATOR_OPTIONS), `${at}.data`));
  return { operation, data, errors };
}

/** The failing operation's own problem (404, 412, 409...), its detail prefixed by its index. */
function failedAt(index: number, op: BulkOp, error: unknown): unknown {
  const prefix = `operations[${index}] (${op})`;
  if (error instanceof ProblemException) {
    return new ProblemException({
      status: error.status,
      code: error.code,
      reason: error.reason,
      detail: `${prefix}: ${error.detail}`,
      errors: error.errors,
    });
  }
  const code = sqlState(error);
  if (code === '23505') {
    return new ProblemException({
      status: 409,
      detail: `${prefix}: a block with this id already exists`,
    });
  }
  if (code?.startsWith('22')) {
    return new ProblemException({
      status: 400,
      detail: `${prefix}: a value is malformed or out of range`,
    });
  }
  return error;
}

import type { AuditService } from '@app/audit';
import type { TenantConcurrency } from '@app/common';
import { BlockBulkService } from './block-bulk.service';
import type { BlocksRepository } from './blocks.repository';
import type { BlocksService } from './blocks.service';
import { BulkOp, type BulkRequestDto } from './dto/bulk.dto';

describe('BlockBulkService validation', () => {
  const transaction = jest.fn();
  const service = new BlockBulkService(
    { transaction } as unknown as BlocksRepository,
    {} as BlocksService,
    {} as AuditService,
    {} as TenantConcurrency,
  );

  const apply = (operations: unknown[]) =>
    service.apply({ operations } as unknown as BulkRequestDto);

  it('validates every operation before opening a transaction and names each bad field', async () => {
    const error = await apply([
      { op: BulkOp.CREATE, data: { title: 'fine' } },
      { op: BulkOp.CREATE, data: { title: '' } },
      { op: BulkOp.UPDATE, data: { title: 'x' } },
      { op: BulkOp.DELETE, id: '01936f0e-0000-7000-8000-00000000000c', data: {} },
      { op: BulkOp.UPDATE, id: '01936f0e-0000-7000-8000-00000000000c', data: { color: 'red' } },
    ]).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 400, reason: 'INVALID_BULK_OPERATION' });
    const { detail, errors } = error as { detail: string; errors: Array<{ field: string }> };
    expect(detail).toMatch(/^operations\[1\] is invalid: /);
    expect(errors.map((e) => e.field)).toEqual([
      'operations.1.data.title',
      'operations.2.id',
      'operations.3.data',
      'operations.4.data.color',
    ]);
    expect(transaction).not.toHaveBeenCalled();
  });
});

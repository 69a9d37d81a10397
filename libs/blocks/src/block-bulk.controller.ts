import { Body, HttpCode, Post } from '@nestjs/common';
import { ApiOperation, ApiResponse } from '@nestjs/swagger';
import { AuditAction } from '@app/audit';
import { ApiProblems, HeavyOperation } from '@app/common';
import { WriteAccess } from './block-access.decorators';
import { BlocksApi } from './block-api.decorators';
import { BlockBulkService } from './block-bulk.service';
import { BulkRequestDto, BulkResponseDto } from './dto/bulk.dto';

/** `/api/blocks/bulk`: many changes in one transaction. */
@BlocksApi()
export class BlockBulkController {
  constructor(private readonly bulk: BlockBulkService) {}

  @Post('bulk')
  @HttpCode(200)
  @WriteAccess()
  @AuditAction('block.bulk', 'block')
  @HeavyOperation('bulk')
  @ApiOperation({
    operationId: 'bulkBlocks',
    summary: 'Up to 500 creates, updates and deletes in one transaction: all or nothing',
    description:
      'Every operation is validated first (field errors are named `operations.<index>.data.<field>`). A failing operation aborts the whole request with its own status (404, 409, ...) and a detail starting `operations[<index>]`.',
  })
  @ApiResponse({ status: 200, type: BulkResponseDto })
  @ApiProblems(400, 403, 404, 409, 413, 503)
  bulkBlocks(@Body() body: BulkRequestDto): Promise<BulkResponseDto> {
    return this.bulk.apply(body);
  }
}

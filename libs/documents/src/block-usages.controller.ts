import { Controller, Get, Param } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiOperation,
  ApiParam,
  ApiResponse,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import { AuditAction } from '@app/audit';
import { ApiProblems, UuidPipe, ReadAccess } from '@app/common';
import { BlockUsagesService } from './block-usages.service';
import { BlockUsagesDto } from './dto/usages.dto';

/** `GET /api/blocks/{id}/usages`: where-used, kept with documents (which own references). */
@ApiTags('blocks')
@ApiBearerAuth('bearer')
@ApiSecurity('apiKey')
@ApiProblems(401, 429)
@Controller('api/blocks')
export class BlockUsagesController {
  constructor(private readonly usages: BlockUsagesService) {}

  @Get(':id/usages')
  @ReadAccess()
  @AuditAction('block.read', 'block')
  @ApiParam({ name: 'id', format: 'uuid', description: 'Block id' })
  @ApiOperation({
    operationId: 'getBlockUsages',
    summary:
      'Where a block is used: documents, templates and blocks, directly and through includes',
    description:
      'Each use says its `pin` at this block (`latest` = live, a number = pinned), whether it is `stale`, `direct`, and the include `path`. Includes are read from the current content of the including blocks, at most 16 levels up; each list is capped at 1000 (`truncated`).',
  })
  @ApiResponse({ status: 200, type: BlockUsagesDto })
  @ApiProblems(400, 403, 404)
  get(@Param('id', UuidPipe) id: string): Promise<BlockUsagesDto> {
    return this.usages.usages(id);
  }
}

import type { IncomingMessage } from 'node:http';
import { Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiProduces, ApiResponse } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuditAction } from '@app/audit';
import { ApiProblems, Consumes, HeavyOperation } from '@app/common';
import { ReadAccess, WriteAccess } from './block-access.decorators';
import { BlocksApi } from './block-api.decorators';
import { BlockTransferService } from './block-transfer.service';
import { ImportResultDto } from './dto/import.dto';
import { NDJSON } from './ndjson';

/** `/api/blocks/export` and `/api/blocks/import`: the tenant's blocks as NDJSON, both ways. */
@BlocksApi()
export class BlockTransferController {
  constructor(private readonly transfer: BlockTransferService) {}

  @Get('export')
  @ReadAccess()
  @AuditAction('block.export')
  @HeavyOperation('export')
  @ApiOperation({
    operationId: 'exportBlocks',
    summary:
      'Every live block of the tenant as NDJSON (one BlockDto per line), streamed from a database cursor',
    description:
      'One consistent snapshot, in id order, in constant memory. A tenant may run at most TENANT_CONCURRENCY export operations at once per instance (default 2; more wait up to CONCURRENCY_WAIT_MS, then 429 with Retry-After; 503 when the instance is at INSTANCE_CONCURRENCY_MAX); a client that stops reading for 60 s is disconnected; an export may last at most 30 minutes.',
  })
  @ApiProduces(NDJSON)
  @ApiResponse({
    status: 200,
    description: 'One JSON block per line, in id order',
    content: {
      [NDJSON]: {
        schema: {
          type: 'string',
          example:
            '{"id":"...","title":"Welcome","content":"...","type":"text","tags":[],"metadata":{},"version":1,...}\n',
        },
      },
    },
  })
  @ApiProblems(403, 503)
  async exportBlocks(@Res() reply: FastifyReply): Promise<void> {
    const stream = await this.transfer.export();
    await reply
      .header('content-type', `${NDJSON}; charset=utf-8`)
      .header('cache-control', 'no-store')
      .send(stream);
  }

  @Post('import')
  @HttpCode(200)
  @WriteAccess()
  @AuditAction('block.import', 'block')
  @HeavyOperation('import')
  @ApiOperation({
    operationId: 'importBlocks',
    summary: 'Upsert blocks by id from an NDJSON body (lines as export writes them)',
    description:
      'Each line is validated like a create body (`id` optional; `version`, timestamps and authors are accepted and ignored) and written in its own savepoint: a bad line is listed in `failed` and never spoils the others. An id of an existing block of the tenant updates it (a deleted one is restored); an unknown id creates the block with that id. The body may be at most BLOCKS_IMPORT_MAX_BYTES (default 100 MiB): a larger Content-Length is a 413 before anything is read; a chunked body is read up to the limit and reported `truncated`.',
  })
  @Consumes(NDJSON)
  @ApiBody({
    schema: {
      type: 'string',
      description: 'One block per line; at most BLOCKS_IMPORT_MAX_BYTES bytes in all',
      example:
        '{"title":"First","content":"Hello"}\n{"id":"01936f0e-8c4a-7d2b-9f10-3c5e7a9b1d2f","title":"Second"}\n',
    },
  })
  @ApiResponse({ status: 200, type: ImportResultDto })
  @ApiProblems(403, 413, 415, 503)
  importBlocks(@Req() request: FastifyRequest): Promise<ImportResultDto> {
    return this.transfer.import(request.body as IncomingMessage, {
      contentType: request.headers['content-type'],
      contentLength: request.headers['content-length'],
    });
  }
}

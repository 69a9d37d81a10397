import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiOperation,
  ApiParam,
  ApiProduces,
  ApiResponse,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AuditAction } from '@app/audit';
import {
  ApiProblems,
  PageOf,
  PageQueryDto,
  Roles,
  Scopes,
  UuidPipe,
  type Page,
  ReadAccess,
} from '@app/common';
import { DOCUMENT_ID } from './api-docs';
import { AssemblyService } from './assembly.service';
import { DocumentExportService } from './document-export.service';
import { AssembleDto, AssemblyDto, AssemblySummaryDto, ExportQueryDto } from './dto/assembly.dto';

/** `/api/documents/{id}/assemble`, `/assemblies` and `/export`. */
@ApiTags('documents')
@ApiBearerAuth('bearer')
@ApiSecurity('apiKey')
@ApiProblems(401, 429)
@Controller('api/documents')
export class DocumentAssembliesController {
  constructor(
    private readonly assemblies: AssemblyService,
    private readonly exports: DocumentExportService,
  ) {}

  @Post(':id/assemble')
  @Roles('user', 'admin')
  @Scopes('write')
  @AuditAction('document.assemble', 'document')
  @DOCUMENT_ID
  @ApiOperation({
    operationId: 'assembleDocument',
    summary: 'Assemble the current version into Markdown with a manifest; stored unless dryRun',
    description:
      'Rendering runs on the worker pool, bounded in time and memory (422 `TEMPLATE_LIMIT_EXCEEDED`). Failures: 422 `MISSING_VARIABLES` with `missingVariables` (all at once), `INVALID_VARIABLES` with `errors`, `REFERENCE_CYCLE` with `path`, `INCLUDE_TOO_DEEP`, `MISSING_REFERENCE` with `blockIds` (unless `onMissing` is omit or placeholder), `TEMPLATE_SYNTAX_ERROR` with `node`, `blockId`, `line`, `column`, `ASSEMBLY_TOO_LARGE` naming `limit`. Headings are numbered in the Markdown when the document has a toc node (the numbers are in `toc` either way); a page-break node is the line `<!-- page-break -->`.',
  })
  @ApiResponse({ status: 201, type: AssemblyDto, description: 'Stored' })
  @ApiResponse({ status: 200, type: AssemblyDto, description: 'Dry run: not stored, `id` null' })
  @ApiProblems(400, 403, 404, 413, 415, 422, 503)
  async assemble(
    @Param('id', UuidPipe) id: string,
    @Body() body: AssembleDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AssemblyDto> {
    const assembly = await this.assemblies.assemble(id, body ?? {});
    if (assembly.id === null) void reply.status(200);
    else void reply.header('location', `/api/documents/${id}/assemblies/${assembly.id}`);
    return assembly;
  }

  @Get(':id/assemblies')
  @ReadAccess()
  @AuditAction('document.read', 'document')
  @DOCUMENT_ID
  @ApiOperation({
    operationId: 'listAssemblies',
    summary: 'Stored assemblies, newest first (without their Markdown)',
  })
  @ApiResponse({ status: 200, type: PageOf(AssemblySummaryDto) })
  @ApiProblems(400, 403, 404)
  list(
    @Param('id', UuidPipe) id: string,
    @Query() query: PageQueryDto,
  ): Promise<Page<AssemblySummaryDto>> {
    return this.assemblies.list(id, query.limit, query.cursor);
  }

  @Get(':id/assemblies/:assemblyId')
  @ReadAccess()
  @AuditAction('document.read', 'document')
  @DOCUMENT_ID
  @ApiParam({ name: 'assemblyId', format: 'uuid' })
  @ApiOperation({ operationId: 'getAssembly', summary: 'One stored assembly with its Markdown' })
  @ApiResponse({ status: 200, type: AssemblyDto })
  @ApiProblems(400, 403, 404)
  async get(
    @Param('id', UuidPipe) id: string,
    @Param('assemblyId', UuidPipe) assemblyId: string,
  ): Promise<AssemblyDto> {
    const row = await this.assemblies.get(id, assemblyId);
    return {
      id: row.id,
      documentVersion: row.document_version,
      title: row.title,
      markdown: row.markdown,
      toc: row.toc,
      manifest: row.manifest,
      warnings: row.warnings,
      missingVariables: [],
      createdAt: row.created_at.toISOString(),
    };
  }

  @Get(':id/export')
  @HttpCode(200)
  @ReadAccess()
  @AuditAction('document.export', 'document')
  @DOCUMENT_ID
  @ApiOperation({
    operationId: 'exportDocument',
    summary: 'Export a stored assembly (or assemble the current version first) as a file',
    description:
      '`markdown` is the stored assembly byte for byte (`text/markdown; charset=utf-8`, `attachment; filename="<slug>.md"`). `html` is a standalone sanitised page, `text` plain text, `docx` a Word file (headings, lists, tables, links, a TOC field, page numbers), all byte-identical for the same assembly; `pdf` is the HTML page printed by headless Chromium and needs PDF_CHROMIUM_PATH (else a 501 `PDF_RENDERER_NOT_CONFIGURED`). A document over EXPORT_MAX_MARKDOWN_BYTES is a 413.',
  })
  @ApiProduces('text/markdown')
  @ApiResponse({
    status: 200,
    description: 'The file',
    content: { 'text/markdown': { schema: { type: 'string' } } },
  })
  @ApiResponse({ status: 501, description: 'No renderer for this format on this server' })
  @ApiProblems(400, 403, 404, 422, 503)
  async export(
    @Param('id', UuidPipe) id: string,
    @Query() query: ExportQueryDto,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const file = await this.exports.export(id, query.format, query.assemblyId?.toLowerCase());
    await reply
      .header('content-type', file.contentType)
      .header('content-disposition', `attachment; filename="${file.filename}"`)
      .header('cache-control', 'no-store')
      .send(file.body);
  }
}

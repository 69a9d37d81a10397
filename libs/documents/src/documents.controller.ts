import {
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  Param,
  Patch,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiExtraModels,
  ApiNoContentResponse,
  ApiOperation,
  ApiResponse,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AuditAction } from '@app/audit';
import { ApiProblems, PageOf, Roles, Scopes, UuidPipe, type Page, ReadAccess } from '@app/common';
import { CONTENT_NODE_MODELS, etagOf } from '@app/templates';
import { DOCUMENT_ID, ETAG_HEADER, IF_MATCH } from './api-docs';
import { DocumentsErrorCode, DocumentsException } from './documents.exception';
import { DocumentsService } from './documents.service';
import {
  CreateDocumentDto,
  DocumentDto,
  GetDocumentQueryDto,
  ListDocumentsQueryDto,
  UpdateDocumentDto,
} from './dto/document.dto';

/** `/api/documents`: thin; the rules live in DocumentsService. */
@ApiTags('documents')
@ApiExtraModels(...CONTENT_NODE_MODELS)
@ApiBearerAuth('bearer')
@ApiSecurity('apiKey')
@ApiProblems(401, 429)
@Controller('api/documents')
export class DocumentsController {
  constructor(private readonly documents: DocumentsService) {}

  @Post()
  @Roles('user', 'admin')
  @Scopes('write')
  @AuditAction('document.create', 'document')
  @ApiOperation({
    operationId: 'createDocument',
    summary: 'Create a document from nodes, or from a template with variables and slots',
    description:
      'Unknown, deleted or other-tenant block ids (or block versions) are a 422 `UNKNOWN_REFERENCE` with `blockIds`; an include cycle a 422 `REFERENCE_CYCLE` with `path`; includes deeper than 16 a 422 `INCLUDE_TOO_DEEP`; more than 1000 nodes a 413 `DOCUMENT_TOO_LARGE` naming `limit`; a Liquid syntax error a 422 with `node`, `line` and `column`.',
  })
  @ApiResponse({ status: 201, type: DocumentDto, headers: ETAG_HEADER })
  @ApiProblems(400, 403, 413, 415, 422)
  async create(
    @Body() body: CreateDocumentDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<DocumentDto> {
    const document = await this.documents.create(body);
    void reply
      .header('etag', etagOf(document.version))
      .header('location', `/api/documents/${document.id}`);
    return document;
  }

  @Get()
  @ReadAccess()
  @AuditAction('document.list', 'document')
  @ApiOperation({
    operationId: 'listDocuments',
    summary: 'List documents, newest change first (`references` are left out of lists)',
  })
  @ApiResponse({ status: 200, type: PageOf(DocumentDto) })
  @ApiProblems(400, 403)
  list(@Query() query: ListDocumentsQueryDto): Promise<Page<DocumentDto>> {
    return this.documents.list(query);
  }

  @Get(':id')
  @ReadAccess()
  @AuditAction('document.read', 'document')
  @DOCUMENT_ID
  @ApiOperation({
    operationId: 'getDocument',
    summary: 'Get a document with its references (`?version=n` for an older version)',
  })
  @ApiResponse({ status: 200, type: DocumentDto, headers: ETAG_HEADER })
  @ApiProblems(400, 403, 404)
  async get(
    @Param('id', UuidPipe) id: string,
    @Query() query: GetDocumentQueryDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<DocumentDto> {
    const document = await this.documents.get(id, versionNumber(query.version));
    void reply.header('etag', etagOf(document.version));
    return document;
  }

  @Patch(':id')
  @Roles('user', 'admin')
  @Scopes('write')
  @AuditAction('document.update', 'document')
  @DOCUMENT_ID
  @IF_MATCH
  @ApiOperation({
    operationId: 'updateDocument',
    summary: 'Change a document: a new version; `bump` moves pins to the latest versions',
  })
  @ApiResponse({ status: 200, type: DocumentDto, headers: ETAG_HEADER })
  @ApiProblems(400, 403, 404, 412, 413, 415, 422)
  async update(
    @Param('id', UuidPipe) id: string,
    @Body() body: UpdateDocumentDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<DocumentDto> {
    const document = await this.documents.update(id, body, ifMatch);
    void reply.header('etag', etagOf(document.version));
    return document;
  }

  @Delete(':id')
  @HttpCode(204)
  @Roles('user', 'admin')
  @Scopes('write')
  @AuditAction('document.delete', 'document')
  @DOCUMENT_ID
  @IF_MATCH
  @ApiOperation({ operationId: 'deleteDocument', summary: 'Delete a document (soft)' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiProblems(400, 403, 404, 412)
  async remove(
    @Param('id', UuidPipe) id: string,
    @Headers('if-match') ifMatch: string | undefined,
  ): Promise<void> {
    await this.documents.remove(id, ifMatch);
  }
}

function versionNumber(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^[1-9]\d{0,8}$/.test(text))
    throw new DocumentsException(DocumentsErrorCode.DOCUMENT_VERSION_NOT_FOUND);
  return Number(text);
}

import {
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  Param,
  Post,
  Put,
  Query,
  Res,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiExtraModels,
  ApiHeader,
  ApiNoContentResponse,
  ApiOperation,
  ApiParam,
  ApiResponse,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AuditAction } from '@app/audit';
import { ApiProblems, PageOf, Roles, Scopes, UuidPipe, type Page, ReadAccess } from '@app/common';
import {
  DeleteTemplateQueryDto,
  GetTemplateQueryDto,
  ListTemplatesQueryDto,
  TemplateDto,
  WriteTemplateDto,
} from './dto/template.dto';
import { NODE_MODELS } from './dto/nodes.dto';
import { etagOf } from './etag';
import { TemplatesErrorCode, TemplatesException } from './templates.exception';
import { TemplatesService } from './templates.service';

const ETAG_HEADER = {
  ETag: {
    description: 'Current version of the template',
    schema: { type: 'string', example: '"v2"' },
  },
};
const IF_MATCH = ApiHeader({
  name: 'If-Match',
  required: false,
  description: 'Only apply when the template still has this ETag; a stale one is a 412',
  example: '"v2"',
});
const ID = ApiParam({ name: 'id', format: 'uuid', description: 'Template id' });

/** `/api/templates`: thin; the rules live in TemplatesService. */
@ApiTags('templates')
@ApiExtraModels(...NODE_MODELS)
@ApiBearerAuth('bearer')
@ApiSecurity('apiKey')
@ApiProblems(401, 429)
@Controller('api/templates')
export class TemplatesController {
  constructor(private readonly templates: TemplatesService) {}

  @Post()
  @Roles('user', 'admin')
  @Scopes('write')
  @AuditAction('template.create', 'template')
  @ApiOperation({
    operationId: 'createTemplate',
    summary: 'Create a template',
    description:
      'Nodes and the variables schema are checked field by field (400 listing `errors`); a Liquid syntax error in a heading or text node is a 422 `TEMPLATE_SYNTAX_ERROR` with `node` (its index), `line` and `column`; a block node with an unknown id is a 422 `UNKNOWN_REFERENCE`.',
  })
  @ApiResponse({ status: 201, type: TemplateDto, headers: ETAG_HEADER })
  @ApiProblems(400, 403, 413, 415, 422)
  async create(
    @Body() body: WriteTemplateDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TemplateDto> {
    const template = await this.templates.create(body);
    void reply
      .header('etag', etagOf(template.version))
      .header('location', `/api/templates/${template.id}`);
    return template;
  }

  @Get()
  @ReadAccess()
  @AuditAction('template.list', 'template')
  @ApiOperation({
    operationId: 'listTemplates',
    summary: 'List templates by name (`?q=` on the name)',
  })
  @ApiResponse({ status: 200, type: PageOf(TemplateDto) })
  @ApiProblems(400, 403)
  list(@Query() query: ListTemplatesQueryDto): Promise<Page<TemplateDto>> {
    return this.templates.list(query.q, query.limit, query.cursor);
  }

  @Get(':id')
  @ReadAccess()
  @AuditAction('template.read', 'template')
  @ID
  @ApiOperation({
    operationId: 'getTemplate',
    summary: 'Get a template, or one of its versions with `?version=n`',
  })
  @ApiResponse({ status: 200, type: TemplateDto, headers: ETAG_HEADER })
  @ApiProblems(400, 403, 404)
  async get(
    @Param('id', UuidPipe) id: string,
    @Query() query: GetTemplateQueryDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TemplateDto> {
    const template = await this.templates.get(id, versionNumber(query.version));
    void reply.header('etag', etagOf(template.version));
    return template;
  }

  @Put(':id')
  @Roles('user', 'admin')
  @Scopes('write')
  @AuditAction('template.update', 'template')
  @ID
  @IF_MATCH
  @ApiOperation({
    operationId: 'replaceTemplate',
    summary: 'Replace a template: a new version',
    description:
      'Documents made from it keep the version they were made from until they move on (`PATCH /api/documents/{id}` with `templateVersion`).',
  })
  @ApiResponse({ status: 200, type: TemplateDto, headers: ETAG_HEADER })
  @ApiProblems(400, 403, 404, 412, 413, 415, 422)
  async replace(
    @Param('id', UuidPipe) id: string,
    @Body() body: WriteTemplateDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TemplateDto> {
    const template = await this.templates.replace(id, body, ifMatch);
    void reply.header('etag', etagOf(template.version));
    return template;
  }

  @Delete(':id')
  @HttpCode(204)
  @Roles('user', 'admin')
  @Scopes('write')
  @AuditAction('template.delete', 'template')
  @ID
  @IF_MATCH
  @ApiOperation({
    operationId: 'deleteTemplate',
    summary: 'Delete a template (soft)',
    description:
      'While live documents use it: 409 `TEMPLATE_IN_USE` with `documents: [{ id, title }]` (at most 50), unless `?force=true`. Its versions stay readable to the documents made from them.',
  })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiProblems(400, 403, 404, 409, 412)
  async remove(
    @Param('id', UuidPipe) id: string,
    @Query() query: DeleteTemplateQueryDto,
    @Headers('if-match') ifMatch: string | undefined,
  ): Promise<void> {
    await this.templates.remove(id, query.force === 'true', ifMatch);
  }
}

/** `?version=` as a positive integer, or a 404 like any version that does not exist. */
function versionNumber(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = /^[1-9]\d{0,8}$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(n))
    throw new TemplatesException(TemplatesErrorCode.TEMPLATE_VERSION_NOT_FOUND);
  return n;
}

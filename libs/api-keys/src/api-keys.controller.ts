import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { AuditAction } from '@app/audit';
import { ApiProblems, PageOf, Roles, SessionOnly, UuidPipe, type Page } from '@app/common';
import { ApiKeysService } from './api-keys.service';
import { ApiKeyDto, CreatedApiKeyDto } from './dto/api-key.dto';
import { CreateApiKeyDto } from './dto/create-api-key.dto';
import { ListApiKeysDto } from './dto/list-api-keys.dto';
import { RotateApiKeyDto } from './dto/rotate-api-key.dto';

/** The caller's API keys; managed with a bearer session only (a key cannot mint keys). */
@ApiTags('api-keys')
@ApiBearerAuth('bearer')
@Roles('admin', 'user', 'guest')
@SessionOnly()
@Controller('api/auth/api-keys')
export class ApiKeysController {
  constructor(private readonly apiKeys: ApiKeysService) {}

  @Post()
  @ApiOperation({
    operationId: 'createApiKey',
    summary: 'Create a key; the full key is in this answer only',
    description:
      'rateLimitPerMinute may not exceed the limit of your role (403); a user may hold at most ' +
      'API_KEYS_MAX_PER_USER live keys (409).',
  })
  @ApiCreatedResponse({ type: CreatedApiKeyDto })
  @ApiProblems(400, 401, 403, 409, 429)
  create(@Body() dto: CreateApiKeyDto): Promise<CreatedApiKeyDto> {
    return this.apiKeys.create(dto);
  }

  @Get()
  @AuditAction('apikey.list', 'api_key')
  @ApiOperation({
    operationId: 'listApiKeys',
    summary: "The caller's keys (admins: `?all=true` for the tenant); never a secret",
  })
  @ApiOkResponse({ type: PageOf(ApiKeyDto) })
  @ApiProblems(400, 401, 403, 429)
  list(@Query() query: ListApiKeysDto): Promise<Page<ApiKeyDto>> {
    return this.apiKeys.list(query);
  }

  @Post(':id/rotate')
  @ApiOperation({
    operationId: 'rotateApiKey',
    summary: 'New secret; the old one keeps working for `graceSeconds`',
    description: "Only the key's owner may rotate it (403 otherwise); an admin may revoke it.",
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiCreatedResponse({ type: CreatedApiKeyDto })
  @ApiProblems(400, 401, 403, 404, 429)
  rotate(
    @Param('id', UuidPipe) id: string,
    @Body() dto: RotateApiKeyDto,
  ): Promise<CreatedApiKeyDto> {
    return this.apiKeys.rotate(id, dto.graceSeconds ?? 0);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ operationId: 'revokeApiKey', summary: 'Revoke a key at once' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiNoContentResponse({ description: 'Revoked' })
  @ApiProblems(400, 401, 403, 404, 429)
  async revoke(@Param('id', UuidPipe) id: string): Promise<void> {
    await this.apiKeys.revoke(id);
  }
}

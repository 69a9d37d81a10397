import { Controller, Delete, Get, Param, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import { ApiProblems, PageOf, type Page, Roles, Scopes, UuidPipe } from '@app/common';
import { AuditAction } from './audit-action.decorator';
import { AuditQueryService } from './audit-query.service';
import { AuditEntryDto } from './dto/audit-entry.dto';
import {
  AuditLogQueryDto,
  AuditPageQueryDto,
  AuditRangeQueryDto,
  CleanupQueryDto,
  ResourceParamsDto,
} from './dto/audit-query.dto';
import {
  AuditCleanupResultDto,
  AuditStatisticsDto,
  AuditVerificationDto,
} from './dto/audit-results.dto';

/** The audit trail of the caller's tenant: admins only, except one's own activity. */
@ApiTags('audit')
@ApiBearerAuth('bearer')
@ApiSecurity('apiKey')
@ApiProblems(400, 401, 403, 429)
@Roles('admin')
@Scopes('admin')
@AuditAction('audit.read', 'audit')
@Controller('api/audit')
export class AuditController {
  constructor(private readonly audit: AuditQueryService) {}

  @Get('logs')
  @ApiOperation({
    operationId: 'auditListLogs',
    summary: "Entries of the caller's tenant, newest first",
  })
  @ApiOkResponse({ type: PageOf(AuditEntryDto) })
  list(@Query() query: AuditLogQueryDto): Promise<Page<AuditEntryDto>> {
    const { limit, cursor, ...filters } = query;
    return this.audit.list(filters, { limit, cursor });
  }

  @Delete('logs/cleanup')
  @AuditAction('audit.cleanup', 'audit')
  @ApiOperation({
    operationId: 'auditCleanup',
    summary: 'Remove entries older than olderThanDays (never below AUDIT_RETENTION_DAYS)',
    description: 'The chain stays verifiable: the last removed hash becomes its anchor.',
  })
  @ApiOkResponse({ type: AuditCleanupResultDto })
  cleanup(@Query() query: CleanupQueryDto): Promise<AuditCleanupResultDto> {
    return this.audit.cleanup(query.olderThanDays);
  }

  @Get('logs/:id')
  @ApiOperation({ operationId: 'auditGetLog', summary: 'One entry' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: AuditEntryDto })
  @ApiProblems(404)
  get(@Param('id', UuidPipe) id: string): Promise<AuditEntryDto> {
    return this.audit.get(id);
  }

  @Get('resources/:type/:id')
  @ApiOperation({ operationId: 'auditResourceHistory', summary: 'History of one resource' })
  @ApiParam({ name: 'type', example: 'block' })
  @ApiParam({ name: 'id' })
  @ApiOkResponse({ type: PageOf(AuditEntryDto) })
  resource(
    @Param() params: ResourceParamsDto,
    @Query() query: AuditPageQueryDto,
  ): Promise<Page<AuditEntryDto>> {
    const { limit, cursor, from, to } = query;
    return this.audit.list(
      { resourceType: params.type, resourceId: params.id, from, to },
      { limit, cursor },
    );
  }

  @Get('users/:id/logs')
  @ApiOperation({ operationId: 'auditUserLogs', summary: 'Entries whose actor is one user' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: PageOf(AuditEntryDto) })
  user(
    @Param('id', UuidPipe) id: string,
    @Query() query: AuditPageQueryDto,
  ): Promise<Page<AuditEntryDto>> {
    const { limit, cursor, from, to } = query;
    return this.audit.list({ userId: id, from, to }, { limit, cursor });
  }

  @Get('my-activity')
  @Roles('admin', 'user', 'guest')
  @Scopes('read')
  @ApiOperation({ operationId: 'auditMyActivity', summary: "The caller's own entries" })
  @ApiOkResponse({ type: PageOf(AuditEntryDto) })
  myActivity(@Query() query: AuditPageQueryDto): Promise<Page<AuditEntryDto>> {
    const { limit, cursor, from, to } = query;
    return this.audit.myActivity({ from, to }, { limit, cursor });
  }

  @Get('statistics')
  @ApiOperation({
    operationId: 'auditStatistics',
    summary: 'Counts by action, severity, status class, top 10 users and per hour',
    description: 'Default range: the last 7 days; at most 400 days.',
  })
  @ApiOkResponse({ type: AuditStatisticsDto })
  statistics(@Query() query: AuditRangeQueryDto): Promise<AuditStatisticsDto> {
    return this.audit.statistics(query.from, query.to);
  }

  @Get('verify')
  @ApiOperation({
    operationId: 'auditVerify',
    summary: "Recompute the tenant's hash chain and name the first entry that does not match",
  })
  @ApiOkResponse({ type: AuditVerificationDto })
  verify(): Promise<AuditVerificationDto> {
    return this.audit.verify();
  }
}

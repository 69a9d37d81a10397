import { ApiProperty } from '@nestjs/swagger';

export enum AuditSeverityDto {
  info = 'info',
  warning = 'warning',
  critical = 'critical',
}

export class AuditActorDto {
  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  userId!: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'alice' })
  username!: string | null;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  apiKeyId!: string | null;
}

export class AuditChangesDto {
  @ApiProperty({ description: 'State before the change (secrets removed)', nullable: true })
  before!: unknown;

  @ApiProperty({ description: 'State after the change (secrets removed)', nullable: true })
  after!: unknown;
}

/** One entry of the audit trail. */
export class AuditEntryDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ type: String, format: 'date-time' })
  timestamp!: string;

  @ApiProperty({ format: 'uuid' })
  tenantId!: string;

  @ApiProperty({ type: AuditActorDto })
  actor!: AuditActorDto;

  @ApiProperty({ example: 'block.update' })
  action!: string;

  @ApiProperty({ type: String, nullable: true, example: 'block' })
  resourceType!: string | null;

  @ApiProperty({ type: String, nullable: true })
  resourceId!: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'PATCH' })
  method!: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Route template',
    example: '/api/blocks/:id',
  })
  path!: string | null;

  @ApiProperty({ type: Number, nullable: true, example: 200 })
  statusCode!: number | null;

  @ApiProperty({ type: Number, nullable: true, example: 3.2 })
  durationMs!: number | null;

  @ApiProperty({ type: String, nullable: true })
  ip!: string | null;

  @ApiProperty({ type: String, nullable: true })
  userAgent!: string | null;

  @ApiProperty({ type: String, nullable: true })
  requestId!: string | null;

  @ApiProperty({ enum: AuditSeverityDto, enumName: 'AuditSeverity' })
  severity!: AuditSeverityDto;

  @ApiProperty({ type: AuditChangesDto, nullable: true })
  changes!: AuditChangesDto | null;

  @ApiProperty({ type: String, nullable: true })
  error!: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    description:
      'sha256(previous hash ‖ canonical entry), hex. Null only for an entry committed a few ' +
      'milliseconds ago and not yet sealed into the chain (a change is sealed right after commit).',
    example: 'ab12…',
  })
  hash!: string | null;
}

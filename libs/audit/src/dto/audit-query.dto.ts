import { ApiProperty, ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsEnum,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { IsIsoInstant, PageQueryDto } from '@app/common';
import { AuditSeverityDto } from './audit-entry.dto';

const ACTION = /^[a-z][a-z0-9_-]*(\.[a-z][a-z0-9_-]*)*$/;
const RESOURCE_TYPE = /^[a-z][a-z0-9_-]{0,63}$/;

/** `from`/`to` as ISO-8601 instants; `from` must come before `to`. */
export class AuditRangeQueryDto {
  @ApiPropertyOptional({ type: String, format: 'date-time', description: 'Inclusive lower bound' })
  @IsOptional()
  @IsIsoInstant()
  from?: string;

  @ApiPropertyOptional({ type: String, format: 'date-time', description: 'Exclusive upper bound' })
  @IsOptional()
  @IsIsoInstant()
  to?: string;
}

/** A page of entries in a time range (used by the narrower lists). */
export class AuditPageQueryDto extends IntersectionType(PageQueryDto, AuditRangeQueryDto) {}

/** Filters of `GET /api/audit/logs`. */
export class AuditLogQueryDto extends AuditPageQueryDto {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID('all')
  userId?: string;

  @ApiPropertyOptional({ example: 'block.update' })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  @Matches(ACTION, { message: 'action must be a dotted verb such as block.update' })
  action?: string;

  @ApiPropertyOptional({ pattern: RESOURCE_TYPE.source, maxLength: 64, example: 'block' })
  @IsOptional()
  @IsString()
  @Matches(RESOURCE_TYPE, { message: 'resourceType must be a lowercase name such as block' })
  resourceType?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(256)
  resourceId?: string;

  @ApiPropertyOptional({ enum: AuditSeverityDto, enumName: 'AuditSeverity' })
  @IsOptional()
  @IsEnum(AuditSeverityDto)
  severity?: AuditSeverityDto;

  @ApiPropertyOptional({ minimum: 100, maximum: 599, example: 403 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(599)
  statusCode?: number;
}

export class ResourceParamsDto {
  @ApiProperty({ pattern: RESOURCE_TYPE.source, maxLength: 64, example: 'block' })
  @IsString()
  @Matches(RESOURCE_TYPE, { message: 'type must be a lowercase name such as block' })
  type!: string;

  @ApiProperty({
    type: String,
    minLength: 1,
    maxLength: 256,
    description: "The resource's id as its audit entries record it (a UUID for blocks and users)",
  })
  @IsString()
  @MaxLength(256)
  id!: string;
}

export class CleanupQueryDto {
  @ApiPropertyOptional({
    description: 'Remove entries older than this many days; never below AUDIT_RETENTION_DAYS',
    minimum: 1,
    maximum: 36500,
  })
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(36500)
  olderThanDays!: number;
}

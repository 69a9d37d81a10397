import { ApiProperty } from '@nestjs/swagger';

export class AuditVerificationDto {
  @ApiProperty({ description: 'Whether every entry of the chain matched' })
  valid!: boolean;

  @ApiProperty({ description: 'Entries checked (up to and including the first invalid one)' })
  checked!: number;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  firstInvalidId!: string | null;
}

export class AuditCleanupResultDto {
  @ApiProperty({ description: 'Entries removed' })
  deleted!: number;
}

export class CountByKeyDto {
  @ApiProperty()
  key!: string;

  @ApiProperty()
  count!: number;
}

export class CountByUserDto {
  @ApiProperty({ format: 'uuid' })
  userId!: string;

  @ApiProperty({ type: String, nullable: true })
  username!: string | null;

  @ApiProperty()
  count!: number;
}

export class CountByHourDto {
  @ApiProperty({ type: String, format: 'date-time', description: 'Start of the hour (UTC)' })
  hour!: string;

  @ApiProperty()
  count!: number;
}

export class AuditStatisticsDto {
  @ApiProperty({ type: String, format: 'date-time' })
  from!: string;

  @ApiProperty({ type: String, format: 'date-time' })
  to!: string;

  @ApiProperty()
  total!: number;

  @ApiProperty({ type: CountByKeyDto, isArray: true })
  byAction!: CountByKeyDto[];

  @ApiProperty({ type: CountByKeyDto, isArray: true })
  bySeverity!: CountByKeyDto[];

  @ApiProperty({ type: CountByKeyDto, isArray: true, description: '`2xx`, `4xx`, ... or `none`' })
  byStatusClass!: CountByKeyDto[];

  @ApiProperty({ type: CountByUserDto, isArray: true, description: 'Top 10 users' })
  topUsers!: CountByUserDto[];

  @ApiProperty({ type: CountByHourDto, isArray: true })
  perHour!: CountByHourDto[];
}

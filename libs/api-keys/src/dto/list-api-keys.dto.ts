import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional } from 'class-validator';
import { PageQueryDto } from '@app/common';

export class ListApiKeysDto extends PageQueryDto {
  @ApiPropertyOptional({
    description: 'Admins only: every key of the tenant (default: false, only your own)',
  })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) =>
    value === 'true' ? true : value === 'false' ? false : value,
  )
  @IsBoolean()
  all?: boolean;
}

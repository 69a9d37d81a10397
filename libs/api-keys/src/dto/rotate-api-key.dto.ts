import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

export class RotateApiKeyDto {
  @ApiPropertyOptional({
    minimum: 0,
    maximum: 604800,
    description: 'How long the old secret keeps working, in seconds (default: 0, at once)',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(604800)
  graceSeconds?: number;
}

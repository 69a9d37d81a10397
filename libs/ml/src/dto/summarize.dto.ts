import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { DEFAULT_SUMMARY_SENTENCES, MAX_SUMMARY_SENTENCES } from '../ml-limits';
import { TextInputDto } from './text-input.dto';

/** Body of `POST /api/ml/summarize`. */
export class SummarizeDto extends TextInputDto {
  @ApiPropertyOptional({
    minimum: 1,
    maximum: MAX_SUMMARY_SENTENCES,
    description: `Default: ${DEFAULT_SUMMARY_SENTENCES}`,
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_SUMMARY_SENTENCES)
  sentences?: number;
}

import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, IsUUID } from 'class-validator';
import { MAX_TEXT_LENGTH } from '../ml-limits';

/**
 * What to analyse: a text, or one of the caller's blocks (its title and content). Exactly one;
 * a longer text than the limit is a 413 naming it (checked before any work).
 */
export class TextInputDto {
  @ApiPropertyOptional({
    description: `At most ${MAX_TEXT_LENGTH} characters; give this or blockId`,
    maxLength: MAX_TEXT_LENGTH,
    example: 'On March 3, 2024 Alice Johnson of Acme Corporation paid $1,200 to bob@example.com.',
  })
  @IsOptional()
  @IsString()
  text?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'A block of the caller’s tenant' })
  @IsOptional()
  @IsUUID()
  blockId?: string;
}

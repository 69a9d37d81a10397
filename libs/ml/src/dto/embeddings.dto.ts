import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsString, MaxLength } from 'class-validator';
import { MAX_EMBEDDING_TEXTS, MAX_TEXT_LENGTH } from '../ml-limits';

/** Body of `POST /api/ml/embeddings`. */
export class EmbeddingsDto {
  @ApiProperty({ type: [String], minItems: 1, maxItems: MAX_EMBEDDING_TEXTS })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_EMBEDDING_TEXTS)
  @IsString({ each: true })
  @MaxLength(MAX_TEXT_LENGTH, { each: true })
  texts!: string[];
}

/** Answer of `POST /api/ml/embeddings` once a provider is configured. */
export class EmbeddingsResultDto {
  @ApiProperty() model!: string;
  @ApiProperty() dimensions!: number;
  @ApiProperty({ type: 'array', items: { type: 'array', items: { type: 'number' } } })
  vectors!: number[][];
}

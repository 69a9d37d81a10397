import { ApiProperty } from '@nestjs/swagger';

export class LabelScoreDto {
  @ApiProperty() label!: string;
  @ApiProperty({ minimum: 0, maximum: 1 }) confidence!: number;
}

/** Answer of `POST /api/ml/classify`. */
export class ClassificationDto {
  @ApiProperty({ description: '`unknown` when the model knows no word of the text' })
  label!: string;
  @ApiProperty({ minimum: 0, maximum: 1 }) confidence!: number;
  @ApiProperty({ type: [LabelScoreDto] }) alternatives!: LabelScoreDto[];
  @ApiProperty() modelVersion!: number;
}

export class TagSuggestionDto {
  @ApiProperty() tag!: string;
  @ApiProperty({ minimum: 0, maximum: 1 }) confidence!: number;
  @ApiProperty({ enum: ['classifier', 'keywords'] }) source!: 'classifier' | 'keywords';
}

/** Answer of `POST /api/ml/suggest-tags`. */
export class TagSuggestionsDto {
  @ApiProperty({ type: [TagSuggestionDto] }) tags!: TagSuggestionDto[];
}

import { ApiProperty, type ApiPropertyOptions } from '@nestjs/swagger';

export class KeywordDto {
  @ApiProperty() term!: string;
  @ApiProperty({ minimum: 0, maximum: 1 }) weight!: number;
}

export class ReadabilityDto {
  @ApiProperty({ description: 'Flesch reading ease from sentences, words and syllables' })
  fleschReadingEase!: number;
  @ApiProperty({ description: 'At 238 words a minute' }) readingTimeSeconds!: number;
}

export class SentimentDto {
  @ApiProperty({ minimum: -1, maximum: 1 }) score!: number;
  @ApiProperty({ enum: ['positive', 'negative', 'neutral'] }) label!: string;
}

const LANGUAGE = {
  description: 'ISO 639-1 code of the detected language (`und` when it cannot be told)',
  example: 'en',
};
const UNSUPPORTED: ApiPropertyOptions = {
  type: String,
  isArray: true,
  description: 'What the English model cannot answer for this language (empty for English)',
};

/** Answer of `POST /api/ml/analyze`. */
export class AnalysisDto {
  @ApiProperty(LANGUAGE) language!: string;
  @ApiProperty() sentences!: number;
  @ApiProperty() words!: number;
  @ApiProperty({ type: ReadabilityDto, nullable: true }) readability!: ReadabilityDto | null;
  @ApiProperty({ type: SentimentDto, nullable: true }) sentiment!: SentimentDto | null;
  @ApiProperty({ type: [KeywordDto] }) keywords!: KeywordDto[];
  @ApiProperty(UNSUPPORTED) unsupported!: string[];
}

export class EntityDto {
  @ApiProperty() text!: string;
  @ApiProperty({
    example: 'DATE',
    description:
      'DATE, TIME, MONEY, PERCENT, EMAIL, URL, PERSON, PLACE, ORGANIZATION, CARDINAL, ORDINAL, DURATION, MEASURE, HASHTAG, MENTION, EMOJI, …',
  })
  type!: string;
  @ApiProperty({ description: 'Offset of the first character (UTF-16 code units)' })
  start!: number;
  @ApiProperty({ description: 'Offset after the last character' }) end!: number;
  @ApiProperty({
    enum: ['model', 'heuristic'],
    description: 'model: wink-nlp’s English model; heuristic: compromise’s lexicon and rules',
  })
  method!: 'model' | 'heuristic';
}

/** Answer of `POST /api/ml/entities`. */
export class EntitiesDto {
  @ApiProperty(LANGUAGE) language!: string;
  @ApiProperty({ type: [EntityDto] }) entities!: EntityDto[];
  @ApiProperty(UNSUPPORTED) unsupported!: string[];
}

export class SummarySentenceDto {
  @ApiProperty({ description: 'Position of the sentence in the text, from 0' }) index!: number;
  @ApiProperty() text!: string;
  @ApiProperty({ minimum: 0, maximum: 1, description: 'TextRank score against the best' })
  score!: number;
}

/** Answer of `POST /api/ml/summarize`. */
export class SummaryDto {
  @ApiProperty(LANGUAGE) language!: string;
  @ApiProperty() summary!: string;
  @ApiProperty({ type: [SummarySentenceDto] }) sentences!: SummarySentenceDto[];
  @ApiProperty({ enum: ['extractive'] }) method!: 'extractive';
}

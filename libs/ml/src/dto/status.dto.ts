import { ApiProperty } from '@nestjs/swagger';
import { LABEL_SOURCES, LabelCountDto } from './train-classifier.dto';

export class AnalyzerStatusDto {
  @ApiProperty({ example: 'ready' }) status!: 'ready';
  @ApiProperty({ description: 'Everything runs in process, offline' }) offline!: boolean;
  @ApiProperty({ example: 'wink-nlp 2.4.0 + wink-eng-lite-web-model 1.8.1' }) model!: string;
  @ApiProperty({ example: 'compromise 14.17.0' }) entityHeuristics!: string;
  @ApiProperty({ example: 'eld 2.1.0 (extra-small profiles)' }) languageDetector!: string;
  @ApiProperty({ example: 'en' }) language!: string;
  @ApiProperty() maxTextLength!: number;
}

export class ClassifierStatusDto {
  @ApiProperty() trained!: boolean;
  @ApiProperty({ type: Number, nullable: true }) version!: number | null;
  @ApiProperty({ nullable: true, enum: LABEL_SOURCES, enumName: 'LabelSource' })
  labelFrom!: string | null;
  @ApiProperty({ type: [LabelCountDto] }) labels!: LabelCountDto[];
  @ApiProperty({ type: Number, nullable: true }) examples!: number | null;
  @ApiProperty({ type: Number, nullable: true }) accuracy!: number | null;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) trainedAt!: string | null;
}

export class EmbeddingsStatusDto {
  @ApiProperty({
    description: '`none` (no provider is configured) or `openai` (an OpenAI-compatible server)',
  })
  provider!: string;
  @ApiProperty({ type: String, nullable: true }) model!: string | null;
  @ApiProperty({ type: Number, nullable: true }) dimensions!: number | null;
  @ApiProperty() blocksEmbedded!: number;
  @ApiProperty({ description: 'Live blocks of the tenant' }) blocksTotal!: number;
  @ApiProperty() backlog!: number;
}

/** Answer of `GET /api/ml/status`. */
export class MlStatusDto {
  @ApiProperty({ type: AnalyzerStatusDto }) analyzer!: AnalyzerStatusDto;
  @ApiProperty({ type: ClassifierStatusDto }) classifier!: ClassifierStatusDto;
  @ApiProperty({ type: EmbeddingsStatusDto }) embeddings!: EmbeddingsStatusDto;
}

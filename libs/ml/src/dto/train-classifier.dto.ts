import { ApiProperty } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import type { LabelSource } from '../classifier-models.repository';

export const LABEL_SOURCES: LabelSource[] = ['type', 'tags'];
const SOURCES = LABEL_SOURCES;

/** Body of `POST /api/ml/classifier/train`. */
export class TrainClassifierDto {
  @ApiProperty({
    enum: SOURCES,
    enumName: 'LabelSource',
    description: 'Label each block by its type, or by its tags',
  })
  @IsIn(SOURCES)
  labelFrom!: LabelSource;
}

export class LabelCountDto {
  @ApiProperty() label!: string;
  @ApiProperty({ description: 'Blocks with this label' }) examples!: number;
}

/** A stored classifier model. */
export class TrainedModelDto {
  @ApiProperty({ description: 'Increases with every training of the tenant' })
  modelVersion!: number;
  @ApiProperty({ enum: SOURCES, enumName: 'LabelSource' }) labelFrom!: LabelSource;
  @ApiProperty({ type: [LabelCountDto] }) labels!: LabelCountDto[];
  @ApiProperty({ description: 'Blocks learned from' }) examples!: number;
  @ApiProperty({ description: 'Blocks held out to measure accuracy' }) heldOut!: number;
  @ApiProperty({
    type: Number,
    nullable: true,
    minimum: 0,
    maximum: 1,
    description: 'Share of held-out blocks labelled right; null when too few to hold any out',
  })
  accuracy!: number | null;
  @ApiProperty({ format: 'date-time' }) trainedAt!: string;
}

import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsEnum, IsInt, IsOptional, IsUUID, Max, Min } from 'class-validator';
import { RelationType } from './block-type';

/** Body of `POST /api/blocks/{id}/relations`: an edge from this block to another of the tenant. */
export class CreateRelationDto {
  @ApiProperty({ format: 'uuid', example: '01936f0e-8c4a-7d2b-9f10-3c5e7a9b1d30' })
  @IsUUID('all')
  targetId!: string;

  @ApiProperty({ enum: RelationType, enumName: 'RelationType', example: RelationType.REFERENCES })
  @IsEnum(RelationType)
  type!: RelationType;
}

export class RelationDto {
  @ApiProperty({ format: 'uuid', example: '01936f0e-9d00-7a10-8b20-3c5e7a9b1d31' })
  id!: string;

  @ApiProperty({ format: 'uuid', example: '01936f0e-8c4a-7d2b-9f10-3c5e7a9b1d2f' })
  sourceId!: string;

  @ApiProperty({ format: 'uuid', example: '01936f0e-8c4a-7d2b-9f10-3c5e7a9b1d30' })
  targetId!: string;

  @ApiProperty({ enum: RelationType, enumName: 'RelationType', example: RelationType.REFERENCES })
  type!: RelationType;

  @ApiProperty({ format: 'date-time', example: '2026-11-22T01:05:00.000Z' })
  createdAt!: string;
}

export class RelatedQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 5, description: 'Default: 1' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(5)
  depth?: number;

  @ApiPropertyOptional({ enum: RelationType, enumName: 'RelationType' })
  @IsOptional()
  @IsEnum(RelationType)
  type?: RelationType;
}

export class RelatedNodeDto {
  @ApiProperty({ format: 'uuid', example: '01936f0e-8c4a-7d2b-9f10-3c5e7a9b1d30' })
  id!: string;

  @ApiProperty({ example: 'Welcome banner' })
  title!: string;

  @ApiProperty({ example: 'markdown' })
  type!: string;

  @ApiProperty({ description: 'Hops from the start block (0 for itself)', example: 1 })
  depth!: number;
}

export class RelatedGraphDto {
  @ApiProperty({
    type: RelatedNodeDto,
    isArray: true,
    description:
      'The start block and every live block within `depth` hops, in either direction (at most 1000)',
  })
  nodes!: RelatedNodeDto[];

  @ApiProperty({
    type: RelationDto,
    isArray: true,
    description: 'Edges between the returned nodes',
  })
  edges!: RelationDto[];
}

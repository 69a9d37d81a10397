import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  MaxLength,
  MinLength,
  IsArray,
  ArrayMaxSize,
} from 'class-validator';
import { PageQueryDto } from '@app/common';
import { nodesSchema } from './nodes.dto';

export const MAX_TEMPLATE_NODES = 1000;

export const NODES_SCHEMA = nodesSchema(MAX_TEMPLATE_NODES, true);

const VARIABLES_EXAMPLE = {
  type: 'object',
  properties: {
    customer: { type: 'string', maxLength: 200 },
    effective: { type: 'string', format: 'date', maxLength: 10 },
  },
  required: ['customer'],
};

/** A template as the API returns it. */
export class TemplateDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() description!: string;
  @ApiProperty({ type: 'object', additionalProperties: true, example: VARIABLES_EXAMPLE })
  variables!: Record<string, unknown>;
  @ApiProperty(NODES_SCHEMA) nodes!: unknown[];
  @ApiProperty() version!: number;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) createdBy!: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) updatedBy!: string | null;
}

/** Body of `POST /api/templates` and `PUT /api/templates/{id}` (a PUT replaces every field). */
export class WriteTemplateDto {
  @ApiProperty({ minLength: 1, maxLength: 200, example: 'Service agreement' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name!: string;

  @ApiPropertyOptional({ maxLength: 2000, description: "Default: ''" })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string;

  @ApiPropertyOptional({
    description:
      'JSON Schema of the variables: type object; properties of type string, number, integer or boolean (string with format date, or enum); required; default',
    type: 'object',
    additionalProperties: true,
    example: VARIABLES_EXAMPLE,
  })
  @IsOptional()
  @IsObject()
  variables?: Record<string, unknown>;

  @ApiProperty({
    ...(NODES_SCHEMA as object),
    description: `Heading, text, block, toc, page-break and slot nodes, at most ${MAX_TEMPLATE_NODES}. Heading text and text markdown may use Liquid.`,
    example: [
      { kind: 'heading', text: 'Agreement with {{ customer }}', level: 1 },
      { kind: 'slot', name: 'body' },
    ],
  })
  @IsArray()
  @ArrayMaxSize(MAX_TEMPLATE_NODES)
  nodes!: unknown[];
}

export class ListTemplatesQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Case-insensitive substring of the name', maxLength: 200 })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  q?: string;
}

export class GetTemplateQueryDto {
  @ApiPropertyOptional({ description: 'An older version (1 = first)', minimum: 1 })
  @IsOptional()
  @IsString()
  @MaxLength(10)
  version?: string;
}

export class DeleteTemplateQueryDto {
  @ApiPropertyOptional({
    description: 'Delete even when documents use it (they keep their template version)',
    enum: ['true', 'false'],
  })
  @IsOptional()
  @IsIn(['true', 'false'])
  force?: 'true' | 'false';
}

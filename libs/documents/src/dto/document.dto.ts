import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  MaxLength,
  MinLength,
  ValidateBy,
  IsInt,
  Min,
} from 'class-validator';
import { Type } from 'class-transformer';
import { PageQueryDto, UUID_LENGTH, isUuid } from '@app/common';
import { PIN_SCHEMA, nodesSchema } from '@app/templates';
import { DOCUMENT_LIMITS } from '../document-limits';

const CONTENT_NODES = nodesSchema(DOCUMENT_LIMITS.maxNodes, false);

export class ReferenceDto {
  @ApiProperty({ format: 'uuid' }) blockId!: string;
  @ApiProperty(PIN_SCHEMA)
  pin!: 'latest' | number;
  @ApiProperty({ type: Number, nullable: true }) resolvedVersion!: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'null when the block is deleted' })
  latestVersion!: number | null;
  @ApiProperty({ description: 'Pinned below the latest version' }) stale!: boolean;
  @ApiProperty({ description: 'Deleted since it was referenced' }) missing!: boolean;
  @ApiProperty({
    type: [String],
    description: 'Block ids from the document node down to this one (includes in between)',
  })
  path!: string[];
}

/** A document as the API returns it. */
export class DocumentDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() title!: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) templateId!: string | null;
  @ApiProperty({ type: Number, nullable: true }) templateVersion!: number | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) variables!: Record<string, unknown>;
  @ApiProperty({
    type: 'object',
    additionalProperties: CONTENT_NODES,
    description: 'Nodes of each template slot',
  } as never)
  slots!: Record<string, unknown[]>;
  @ApiProperty({
    ...CONTENT_NODES,
    description: 'The nodes, template slots filled in',
  })
  nodes!: unknown[];
  @ApiProperty() version!: number;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) createdBy!: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) updatedBy!: string | null;
  @ApiPropertyOptional({
    type: [ReferenceDto],
    description: 'Every block used, directly or through includes (not in lists)',
  })
  references?: ReferenceDto[];
}

const TITLE = { minLength: 1, maxLength: 300, example: 'Service agreement — ACME' };

/** Body of `POST /api/documents`: nodes, or a template with variables and slots. */
export class CreateDocumentDto {
  @ApiProperty(TITLE)
  @IsString()
  @MinLength(1)
  @MaxLength(300)
  title!: string;

  @ApiPropertyOptional({
    ...CONTENT_NODES,
    description: `Without a template: the nodes (at most ${DOCUMENT_LIMITS.maxNodes}; limit maxNodes)`,
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(DOCUMENT_LIMITS.maxNodes + 1)
  nodes?: unknown[];

  @ApiPropertyOptional({ format: 'uuid', description: 'Make the document from this template' })
  @IsOptional()
  @IsUUID('all')
  templateId?: string;

  @ApiPropertyOptional({
    description: 'The template version (default: its current one)',
    minimum: 1,
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  templateVersion?: number;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'Values of the template variables, checked at assembly',
  })
  @IsOptional()
  @IsObject()
  variables?: Record<string, unknown>;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: CONTENT_NODES,
    description: 'Nodes for each slot of the template',
  } as never)
  @IsOptional()
  @IsObject()
  slots?: Record<string, unknown>;
}

/** `true`, or a list of block ids. */
const IsBump = () =>
  ValidateBy({
    name: 'isBump',
    validator: {
      validate: (value: unknown) =>
        value === true ||
        (Array.isArray(value) &&
          value.length >= 1 &&
          value.length <= DOCUMENT_LIMITS.maxBumpIds &&
          value.every((id) => isUuid(id))),
      defaultMessage: () =>
        `bump must be true or a list of 1..${DOCUMENT_LIMITS.maxBumpIds} block ids`,
    },
  });

/** Body of `PATCH /api/documents/{id}`: the fields present change; a new version. */
export class UpdateDocumentDto {
  @ApiPropertyOptional(TITLE)
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(300)
  title?: string;

  @ApiPropertyOptional({
    ...CONTENT_NODES,
    description: 'Replace the nodes (documents without a template)',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(DOCUMENT_LIMITS.maxNodes + 1)
  nodes?: unknown[];

  @ApiPropertyOptional({
    description: 'Move on to this version of the template (slots filled again)',
    minimum: 1,
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  templateVersion?: number;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @IsOptional()
  @IsObject()
  variables?: Record<string, unknown>;

  @ApiPropertyOptional({ type: 'object', additionalProperties: CONTENT_NODES } as never)
  @IsOptional()
  @IsObject()
  slots?: Record<string, unknown>;

  @ApiPropertyOptional({
    oneOf: [
      { type: 'boolean', enum: [true] },
      {
        type: 'array',
        maxItems: DOCUMENT_LIMITS.maxBumpIds,
        items: { type: 'string', format: 'uuid', maxLength: UUID_LENGTH },
      },
    ],
    description:
      'Move pinned block nodes to the latest versions: all of them (`true`) or those of the listed blocks',
  })
  @IsOptional()
  @IsBump()
  bump?: true | string[];
}

export class ListDocumentsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Case-insensitive substring of the title', maxLength: 200 })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  q?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID('all')
  templateId?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Documents with a block node on this block' })
  @IsOptional()
  @IsUUID('all')
  usesBlock?: string;
}

export class GetDocumentQueryDto {
  @ApiPropertyOptional({ description: 'An older version (1 = first)', minimum: 1 })
  @IsOptional()
  @IsString()
  @MaxLength(10)
  version?: string;
}

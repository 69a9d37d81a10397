import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsObject, IsOptional, IsUUID } from 'class-validator';
import { DOCUMENT_LIMITS as L } from '../document-limits';

export const ON_MISSING = ['fail', 'omit', 'placeholder'] as const;
export type OnMissing = (typeof ON_MISSING)[number];
export const EXPORT_FORMATS = ['markdown', 'html', 'text', 'docx', 'pdf'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** Body of `POST /api/documents/{id}/assemble`. */
export class AssembleDto {
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: "Values over the document's own, validated against the template schema",
  })
  @IsOptional()
  @IsObject()
  variables?: Record<string, unknown>;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: {
      oneOf: [
        { type: 'string', maxLength: L.maxProfileValueLength },
        {
          type: 'array',
          maxItems: L.maxProfileValues,
          items: { type: 'string', maxLength: L.maxProfileValueLength },
        },
      ],
    },
    description:
      'Profile attributes: a block node with `when` is kept when, for each of its attributes the profile sets, a profile value is listed',
    example: { audience: 'admin', region: ['eu'] },
  })
  @IsOptional()
  @IsObject()
  profile?: Record<string, string | string[]>;

  @ApiPropertyOptional({ enum: ON_MISSING, description: 'Default: `fail`' })
  @IsOptional()
  @IsIn(ON_MISSING)
  onMissing?: OnMissing;

  @ApiPropertyOptional({
    description: 'Assemble without storing (200, `id: null`); default: false',
  })
  @IsOptional()
  @IsBoolean()
  dryRun?: boolean;
}

export class ManifestEntryDto {
  @ApiProperty({ format: 'uuid' }) blockId!: string;
  @ApiProperty() version!: number;
  @ApiProperty({ description: 'SHA-256 (hex) of the block content as rendered from' })
  contentSha256!: string;
  @ApiProperty({ type: [String] }) path!: string[];
}

export class AssemblyWarningDto {
  @ApiProperty({ example: 'PINNED_VERSION_OF_DELETED_BLOCK' }) code!: string;
  @ApiProperty({ format: 'uuid' }) blockId!: string;
  @ApiProperty() message!: string;
}

export class TocEntryDto {
  @ApiProperty({ minimum: 1, maximum: 6 }) level!: number;
  @ApiProperty() text!: string;
  @ApiProperty({ example: '1.2' }) number!: string;
}

/** A stored (or dry-run) assembly. */
export class AssemblyDto {
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'null for a dry run' })
  id!: string | null;
  @ApiProperty() documentVersion!: number;
  @ApiProperty() title!: string;
  @ApiProperty({ description: 'The assembled Markdown' }) markdown!: string;
  @ApiProperty({ type: [TocEntryDto] }) toc!: TocEntryDto[];
  @ApiProperty({ type: [ManifestEntryDto] }) manifest!: ManifestEntryDto[];
  @ApiProperty({ type: [AssemblyWarningDto] }) warnings!: AssemblyWarningDto[];
  @ApiProperty({ type: [String], description: 'Always empty here: missing ones are a 422' })
  missingVariables!: string[];
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) createdAt!: string | null;
}

/** An assembly in a list: without its markdown. */
export class AssemblySummaryDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() documentVersion!: number;
  @ApiProperty({ type: [ManifestEntryDto] }) manifest!: ManifestEntryDto[];
  @ApiProperty({ type: [AssemblyWarningDto] }) warnings!: AssemblyWarningDto[];
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) createdBy!: string | null;
}

export class ExportQueryDto {
  @ApiProperty({ enum: EXPORT_FORMATS })
  @IsIn(EXPORT_FORMATS)
  format!: ExportFormat;

  @ApiPropertyOptional({
    format: 'uuid',
    description:
      'A stored assembly; without it the current version is assembled (and stored) first',
  })
  @IsOptional()
  @IsUUID('all')
  assemblyId?: string;
}

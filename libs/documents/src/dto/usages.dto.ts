import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PIN_SCHEMA } from '@app/templates';

class UsageDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty(PIN_SCHEMA)
  pin!: 'latest' | number;
  @ApiProperty({ description: 'Pinned below the block’s current version' }) stale!: boolean;
  @ApiProperty({ description: 'Used by a node of its own, not only through includes' })
  direct!: boolean;
  @ApiProperty({ type: [String], description: 'Block ids from the use down to this block' })
  path!: string[];
}

export class DocumentUsageDto extends UsageDto {
  @ApiProperty() title!: string;
}
export class TemplateUsageDto extends UsageDto {
  @ApiProperty() name!: string;
}
export class BlockUsageDto extends UsageDto {
  @ApiProperty() title!: string;
}

export class UsageSummaryDto {
  @ApiProperty({ description: 'Uses pinned to a version' }) pinned!: number;
  @ApiProperty({ description: 'Uses following the latest version' }) live!: number;
}

/** Where a block is used: documents, templates and blocks, directly and through includes. */
export class BlockUsagesDto {
  @ApiProperty({ type: [DocumentUsageDto] }) documents!: DocumentUsageDto[];
  @ApiProperty({ type: [TemplateUsageDto] }) templates!: TemplateUsageDto[];
  @ApiProperty({ type: [BlockUsageDto] }) blocks!: BlockUsageDto[];
  @ApiProperty({ type: UsageSummaryDto }) summary!: UsageSummaryDto;
  @ApiPropertyOptional({ description: 'True when a list hit its cap (1000)' })
  truncated?: boolean;
}

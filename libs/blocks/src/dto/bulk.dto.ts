import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsEnum,
  IsObject,
  IsOptional,
  IsUUID,
  ValidateNested,
} from 'class-validator';
import { BlockDto } from './block.dto';

export enum BulkOp {
  CREATE = 'create',
  UPDATE = 'update',
  DELETE = 'delete',
}

export const MAX_BULK_OPERATIONS = 500;

export class BulkOperationDto {
  @ApiProperty({ enum: BulkOp, enumName: 'BulkOp', example: BulkOp.UPDATE })
  @IsEnum(BulkOp)
  op!: BulkOp;

  @ApiPropertyOptional({
    format: 'uuid',
    description:
      'Required for update and delete; absent for create (the server makes every new id, so no answer depends on ids held by other tenants)',
  })
  @IsOptional()
  @IsUUID('all')
  id?: string;

  @ApiPropertyOptional({
    description:
      'create: a CreateBlockDto; update: an UpdateBlockDto; absent for delete. Same rules and limits as the single routes.',
    type: 'object',
    additionalProperties: true,
    example: { title: 'Renamed' },
  })
  @IsOptional()
  @IsObject()
  data?: Record<string, unknown>;
}

/** Body of `POST /api/blocks/bulk`: all operations commit together or none does. */
export class BulkRequestDto {
  @ApiProperty({
    type: BulkOperationDto,
    isArray: true,
    minItems: 1,
    maxItems: MAX_BULK_OPERATIONS,
    example: [
      { op: 'create', data: { title: 'New block', content: 'Hello' } },
      { op: 'update', id: '01936f0e-8c4a-7d2b-9f10-3c5e7a9b1d2f', data: { title: 'Renamed' } },
      { op: 'delete', id: '01936f0e-8c4a-7d2b-9f10-3c5e7a9b1d30' },
    ],
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_BULK_OPERATIONS)
  @ValidateNested({ each: true })
  @Type(() => BulkOperationDto)
  operations!: BulkOperationDto[];
}

export class BulkResultDto {
  @ApiProperty({ description: 'Index of the operation in the request', example: 0 })
  index!: number;

  @ApiProperty({ enum: BulkOp, enumName: 'BulkOp', example: BulkOp.UPDATE })
  op!: BulkOp;

  @ApiProperty({ format: 'uuid', example: '01936f0e-8c4a-7d2b-9f10-3c5e7a9b1d2f' })
  id!: string;

  @ApiPropertyOptional({
    type: BlockDto,
    description: 'The block after a create or an update; absent for delete',
  })
  block?: BlockDto;
}

export class BulkResponseDto {
  @ApiProperty({ type: BulkResultDto, isArray: true })
  results!: BulkResultDto[];
}

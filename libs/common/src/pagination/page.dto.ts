import { Type as NestType } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { CURSOR_MAX_LENGTH } from './cursor';

/** `?limit=` (1..100, default 20) and `?cursor=` (opaque): the same on every list route. */
export class PageQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  @ApiPropertyOptional({
    description: "Opaque cursor from a previous page's `nextCursor`",
    maxLength: CURSOR_MAX_LENGTH,
  })
  @IsOptional()
  @IsString()
  @MaxLength(CURSOR_MAX_LENGTH)
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

const pageClasses = new Map<NestType<unknown>, NestType<Page<unknown>>>();

/**
 * A named `<Item>Page` schema for Swagger, so generated clients get a real type for each list
 * instead of an anonymous generic envelope.
 */
export function PageOf<T>(item: NestType<T>): NestType<Page<T>> {
  const existing = pageClasses.get(item);
  if (existing) return existing as NestType<Page<T>>;
  class PageClass implements Page<T> {
    @ApiProperty({ type: item, isArray: true })
    items!: T[];

    @ApiProperty({
      type: String,
      nullable: true,
      description: 'Pass as `?cursor=` for the next page; null at the end',
    })
    nextCursor!: string | null;
  }
  Object.defineProperty(PageClass, 'name', { value: `${item.name.replace(/Dto$/, '')}Page` });
  pageClasses.set(item, PageClass);
  return PageClass;
}

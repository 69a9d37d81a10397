import { ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';

/**
 * Swagger components of the node kinds, each named once so generated clients get one type per
 * kind (validation is in nodes.ts: class-validator cannot discriminate on `kind`).
 */
export class HeadingNode {
  @ApiProperty({ enum: ['heading'] }) kind!: 'heading';
  @ApiProperty({ maxLength: 500, description: 'One line; may use Liquid' }) text!: string;
  @ApiProperty({ minimum: 1, maximum: 6 }) level!: number;
}

export class TextNode {
  @ApiProperty({ enum: ['text'] }) kind!: 'text';
  @ApiProperty({ description: 'Markdown; may use Liquid' }) markdown!: string;
}

/** `"latest"` or a version number, without an inline enum (generated clients read the pattern). */
export const PIN_SCHEMA = {
  oneOf: [
    { type: 'string', pattern: '^latest$' },
    { type: 'integer', format: 'int32', minimum: 1, maximum: 2147483647 },
  ],
  description: '"latest" follows the block; a number pins that version',
};

export class BlockNode {
  @ApiProperty({ enum: ['block'] }) kind!: 'block';
  @ApiProperty({ format: 'uuid' }) blockId!: string;
  @ApiProperty(PIN_SCHEMA) pin!: 'latest' | number;
  @ApiPropertyOptional({ minimum: 0, maximum: 5, description: 'Default: 0' })
  headingOffset?: number;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'array', items: { type: 'string' } },
    description: 'Profile condition: attribute → values; kept when the profile matches',
    example: { audience: ['admin'] },
  })
  when?: Record<string, string[]>;
}

export class TocNode {
  @ApiProperty({ enum: ['toc'] }) kind!: 'toc';
}

export class PageBreakNode {
  @ApiProperty({ enum: ['page-break'] }) kind!: 'page-break';
}

export class SlotNode {
  @ApiProperty({ enum: ['slot'] }) kind!: 'slot';
  @ApiProperty({ pattern: '^[A-Za-z][A-Za-z0-9_-]{0,63}$' }) name!: string;
}

export const CONTENT_NODE_MODELS = [HeadingNode, TextNode, BlockNode, TocNode, PageBreakNode];
export const NODE_MODELS = [...CONTENT_NODE_MODELS, SlotNode];

/** An array of nodes; `slots` adds the slot kind (templates). */
export function nodesSchema(maxItems: number, slots: boolean): Record<string, unknown> {
  return {
    type: 'array',
    maxItems,
    items: {
      oneOf: (slots ? NODE_MODELS : CONTENT_NODE_MODELS).map((model) => ({
        $ref: getSchemaPath(model),
      })),
    },
  };
}

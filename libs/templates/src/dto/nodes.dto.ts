import { ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { UUID_LENGTH } from '@app/common';
import { NODE_LIMITS, SLOT_NAME } from '../nodes';

/** A slot name's bound, as SLOT_NAME allows it. */
const SLOT_NAME_MAX_LENGTH = 64;

/**
 * Swagger components of the node kinds, each named once so generated clients get one type per
 * kind (validation is in nodes.ts: class-validator cannot discriminate on `kind`).
 */
export class HeadingNode {
  @ApiProperty({ enum: ['heading'] }) kind!: 'heading';
  @ApiProperty({ maxLength: NODE_LIMITS.maxHeadingLength, description: 'One line; may use Liquid' })
  text!: string;
  @ApiProperty({ minimum: 1, maximum: 6 }) level!: number;
}

export class TextNode {
  @ApiProperty({ enum: ['text'] }) kind!: 'text';
  // At most maxTextBytes bytes in UTF-8, so at most as many characters.
  @ApiProperty({
    maxLength: NODE_LIMITS.maxTextBytes,
    description: `Markdown of at most ${NODE_LIMITS.maxTextBytes} bytes in UTF-8; may use Liquid`,
  })
  markdown!: string;
}

/** `"latest"` or a version number, without an inline enum (generated clients read the pattern). */
export const PIN_SCHEMA = {
  oneOf: [
    { type: 'string', pattern: '^latest$', maxLength: 'latest'.length },
    { type: 'integer', format: 'int32', minimum: 1, maximum: 2147483647 },
  ],
  description: '"latest" follows the block; a number pins that version',
};

export class BlockNode {
  @ApiProperty({ enum: ['block'] }) kind!: 'block';
  @ApiProperty({ format: 'uuid', maxLength: UUID_LENGTH }) blockId!: string;
  @ApiProperty(PIN_SCHEMA) pin!: 'latest' | number;
  @ApiPropertyOptional({ minimum: 0, maximum: 5, description: 'Default: 0' })
  headingOffset?: number;
  @ApiPropertyOptional({
    type: 'object',
    maxProperties: NODE_LIMITS.maxWhenAttributes,
    additionalProperties: {
      type: 'array',
      maxItems: NODE_LIMITS.maxWhenValues,
      items: { type: 'string', maxLength: NODE_LIMITS.maxWhenValueLength },
    },
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
  @ApiProperty({ pattern: SLOT_NAME.source, maxLength: SLOT_NAME_MAX_LENGTH }) name!: string;
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

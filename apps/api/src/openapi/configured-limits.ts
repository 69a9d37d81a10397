import type { OpenAPIObject } from '@nestjs/swagger';
import { DEFAULT_BLOCK_LIMITS, type BlockLimits } from '@app/blocks';
import type { AppConfig } from '@app/config';
import { operationsOf } from './operations';

type Schema = Record<string, unknown> & { description?: unknown; items?: Schema };
type Limits = AppConfig['blocks'];

/** One BLOCKS_* limit: the keyword it sets on a schema that names it in its description. */
interface DocumentedLimit {
  variable: string;
  field: keyof Limits;
  /** Where the value goes; content and tag lengths are in bytes or per item, so bounds only. */
  apply(schema: Schema, value: number): void;
}

const LIMITS: DocumentedLimit[] = [
  {
    variable: 'BLOCKS_MAX_TITLE_LENGTH',
    field: 'maxTitleLength',
    apply: (schema, value) => (schema.maxLength = value),
  },
  {
    // A string of n UTF-8 bytes has at most n characters: a true upper bound on the length.
    variable: 'BLOCKS_MAX_CONTENT_BYTES',
    field: 'maxContentBytes',
    apply: (schema, value) => (schema.maxLength = value),
  },
  {
    variable: 'BLOCKS_MAX_TAGS',
    field: 'maxTags',
    apply: (schema, value) => (schema.maxItems = value),
  },
  {
    variable: 'BLOCKS_MAX_TAG_LENGTH',
    field: 'maxTagLength',
    apply: (schema, value) => {
      if (schema.items) schema.items.maxLength = value;
    },
  },
  { variable: 'BLOCKS_MAX_METADATA_BYTES', field: 'maxMetadataBytes', apply: () => undefined },
  {
    // The whole NDJSON body: the server reads no more (413, or `truncated` when chunked).
    variable: 'BLOCKS_IMPORT_MAX_BYTES',
    field: 'importMaxBytes',
    apply: (schema, value) => (schema.maxLength = value),
  },
];

const NUMBER = /\d+/g;

/**
 * The DTO decorators are evaluated when their classes load, before any configuration exists, so
 * they carry the default limits. This rewrites every schema (components and parameters) whose
 * description names a BLOCKS_* variable (components, parameters and inline request bodies): its
 * keyword and the numbers in its description then state the configured limit.
 */
export function applyConfiguredLimits(document: OpenAPIObject, limits: Limits): void {
  const schemas: Schema[] = Object.values(document.components?.schemas ?? {}).flatMap((schema) =>
    Object.values(((schema as Schema).properties as Record<string, Schema> | undefined) ?? {}),
  );
  for (const { operation } of operationsOf(document)) {
    for (const parameter of (operation.parameters ?? []) as unknown as Schema[])
      if (parameter.schema) schemas.push(parameter);
    const body = operation.requestBody as { content?: Record<string, { schema?: Schema }> };
    for (const { schema } of Object.values(body?.content ?? {})) if (schema) schemas.push(schema);
  }
  for (const schema of schemas) patch(schema, limits);
}

function patch(node: Schema, limits: Limits): void {
  if (typeof node.description !== 'string') return;
  const text = node.description;
  const named = LIMITS.filter(({ variable }) => text.includes(variable));
  if (named.length === 0) return;
  // A parameter carries its limit on its schema.
  const schema = (node.schema as Schema | undefined) ?? node;
  const numbers = new Map<string, string>();
  for (const limit of named) {
    limit.apply(schema, limits[limit.field]);
    // Only the limits with a default in the DTOs write their number into descriptions.
    const fallback = DEFAULT_BLOCK_LIMITS[limit.field as keyof BlockLimits] as number | undefined;
    if (fallback !== undefined) numbers.set(String(fallback), String(limits[limit.field]));
  }
  // One pass, so a configured value equal to another limit's default is not rewritten again.
  node.description = text.replace(NUMBER, (n) => numbers.get(n) ?? n);
}

import type { OpenAPIObject, ParameterObject, SchemaObject } from '@nestjs/swagger';
import { ISO_INSTANT_MAX_LENGTH, UUID_LENGTH } from '@app/common';
import { operationsOf } from './operations';

/**
 * The length each parameter format can have, as the server reads it: a UUID parameter passes
 * UuidPipe (path) or @IsUUID (query), both its exact text form; a date-time passes IsIsoInstant.
 */
const FORMAT_MAX_LENGTH: Record<string, number> = {
  uuid: UUID_LENGTH,
  'date-time': ISO_INSTANT_MAX_LENGTH,
};

/**
 * States the maxLength of every uuid and date-time parameter that does not state its own, and
 * puts an array parameter's maxLength on its items: @nestjs/swagger leaves an item bound
 * (`@MaxLength(n, { each: true })`) on a query array, where it means nothing.
 */
export function boundParameters(document: OpenAPIObject): void {
  for (const { operation } of operationsOf(document))
    for (const parameter of (operation.parameters ?? []) as ParameterObject[]) {
      const schema = parameter.schema as SchemaObject | undefined;
      if (schema?.type === 'array' && schema.maxLength !== undefined && schema.items) {
        (schema.items as SchemaObject).maxLength ??= schema.maxLength;
        delete schema.maxLength;
      }
      const maxLength = schema?.type === 'string' && FORMAT_MAX_LENGTH[schema.format ?? ''];
      if (schema && maxLength && schema.maxLength === undefined) schema.maxLength = maxLength;
    }
}

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

/** States the maxLength of every uuid and date-time parameter that does not state its own. */
export function boundFormattedParameters(document: OpenAPIObject): void {
  for (const { operation } of operationsOf(document))
    for (const parameter of (operation.parameters ?? []) as ParameterObject[]) {
      const schema = parameter.schema as SchemaObject | undefined;
      const maxLength = schema?.type === 'string' && FORMAT_MAX_LENGTH[schema.format ?? ''];
      if (schema && maxLength && schema.maxLength === undefined) schema.maxLength = maxLength;
    }
}

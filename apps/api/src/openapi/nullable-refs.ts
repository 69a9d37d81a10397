import type { OpenAPIObject, SchemaObject } from '@nestjs/swagger';

type Node = SchemaObject & { $ref?: string };

/**
 * A nullable enum property comes out of Nest as `{ nullable, allOf: [{ $ref }] }`, and OpenAPI
 * 3.0 ignores `nullable` without a `type` beside it: copy the referenced schema's type there.
 */
export function typeNullableReferences(document: OpenAPIObject): void {
  const schemas = (document.components?.schemas ?? {}) as Record<string, Node>;
  for (const schema of Object.values(schemas))
    for (const property of Object.values((schema.properties ?? {}) as Record<string, Node>)) {
      const only = property.allOf?.length === 1 ? (property.allOf[0] as Node) : undefined;
      if (!property.nullable || property.type || !only?.$ref) continue;
      const target = schemas[only.$ref.slice('#/components/schemas/'.length)];
      if (target?.type) property.type = target.type;
    }
}

import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { OpenApiDocument } from './openapi';

type Schema = Record<string, any>;

/** OpenAPI 3.0 schema → JSON Schema: `nullable`, and refs into the document's components. */
export function toJsonSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(toJsonSchema);
  if (!schema || typeof schema !== 'object') return schema;
  const out: Schema = {};
  for (const [key, value] of Object.entries(schema as Schema)) {
    if (
      key === 'nullable' ||
      key === 'example' ||
      key === 'examples' ||
      key === 'xml' ||
      key === 'discriminator'
    )
      continue;
    if (key === '$ref' && typeof value === 'string')
      out.$ref = value.replace('#/components/schemas/', 'openapi#/components/schemas/');
    else if (key === 'properties' && value && typeof value === 'object')
      out.properties = Object.fromEntries(
        Object.entries(value as Schema).map(([k, v]) => [k, toJsonSchema(v)]),
      );
    else out[key] = toJsonSchema(value);
  }
  if ((schema as Schema).nullable === true) return { anyOf: [out, { type: 'null' }] };
  return out;
}

/** Validators of the response bodies the document declares, per operation and status. */
export class ResponseValidator {
  private readonly ajv: Ajv;
  private readonly cache = new Map<string, ValidateFunction | null>();

  constructor(private readonly doc: OpenApiDocument) {
    this.ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
    addFormats(this.ajv);
    this.ajv.addSchema({
      $id: 'openapi',
      components: toJsonSchema(doc.components ?? {}),
    });
  }

  /** undefined when the body matches (or nothing JSON is declared), else the errors. */
  check(path: string, method: string, status: number, body: unknown): string | undefined {
    const key = `${method} ${path} ${status}`;
    if (!this.cache.has(key)) {
      const response = this.doc.paths[path]?.[method]?.responses?.[String(status)];
      const schema = response?.content?.['application/json']?.schema;
      this.cache.set(key, schema ? this.ajv.compile(toJsonSchema(schema) as Schema) : null);
    }
    const validate = this.cache.get(key);
    if (!validate) {
      const declared = this.doc.paths[path]?.[method]?.responses?.[String(status)];
      return declared ? undefined : `status ${status} is not declared`;
    }
    return validate(body) ? undefined : this.ajv.errorsText(validate.errors, { separator: '; ' });
  }
}

export function resolveRef(doc: OpenApiDocument, schema: Schema | undefined): Schema | undefined {
  let current = schema;
  for (let i = 0; current?.$ref && i < 10; i++) {
    current = doc.components?.schemas?.[String(current.$ref).split('/').pop()!];
  }
  if (current?.allOf?.length === 1)
    return resolveRef(doc, { ...current, ...current.allOf[0], allOf: undefined });
  return current;
}

import { Ajv, type ValidateFunction } from 'ajv';
import type { FieldError } from '@app/common';

/** A template's variables: a flat JSON Schema subset (typed properties, no patterns or refs). */
export interface VariablesSchema {
  type: 'object';
  properties?: Record<string, Record<string, unknown>>;
  required?: string[];
  additionalProperties?: boolean;
}

const PROPERTY_TYPES = ['string', 'number', 'integer', 'boolean'];
const PROPERTY_KEYS = [
  'type',
  'format',
  'enum',
  'default',
  'title',
  'description',
  'minimum',
  'maximum',
  'minLength',
  'maxLength',
];
const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const MAX_PROPERTIES = 200;

/**
 * Checks that a schema stays in the allowed subset before ajv sees it: no `pattern` (a user's
 * regular expression could backtrack for ever), no `$ref`, no nesting; names usable in Liquid.
 */
export function schemaErrors(schema: unknown): FieldError[] {
  const errors: FieldError[] = [];
  const fail = (field: string, message: string) =>
    errors.push({ field: `variables${field}`, message });
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
    return [{ field: 'variables', message: 'must be a JSON Schema object' }];
  }
  const s = schema as Record<string, unknown>;
  for (const key of Object.keys(s)) {
    if (
      !['type', 'properties', 'required', 'additionalProperties', 'title', 'description'].includes(
        key,
      )
    ) {
      fail(
        `.${key}`,
        'is not supported (allowed: type, properties, required, additionalProperties)',
      );
    }
  }
  if (s.type !== 'object') fail('.type', 'must be "object"');
  const properties = (s.properties ?? {}) as Record<string, unknown>;
  if (typeof properties !== 'object' || properties === null || Array.isArray(properties)) {
    fail('.properties', 'must be an object');
    return errors;
  }
  const names = Object.keys(properties);
  if (names.length > MAX_PROPERTIES)
    fail('.properties', `must have at most ${MAX_PROPERTIES} variables`);
  for (const name of names) {
    const at = `.properties.${name.slice(0, 64)}`;
    if (!NAME.test(name))
      fail(at, 'must be a name of letters, digits and _ (not starting with a digit)');
    const p = properties[name] as Record<string, unknown>;
    if (typeof p !== 'object' || p === null || Array.isArray(p)) {
      fail(at, 'must be an object');
      continue;
    }
    for (const key of Object.keys(p)) {
      if (!PROPERTY_KEYS.includes(key)) fail(`${at}.${key}`, 'is not supported');
    }
    if (!PROPERTY_TYPES.includes(p.type as string))
      fail(`${at}.type`, `must be one of ${PROPERTY_TYPES.join(', ')}`);
    if (p.format !== undefined && !(p.format === 'date' && p.type === 'string')) {
      fail(`${at}.format`, 'only "date" on a string is supported');
    }
    if (
      p.enum !== undefined &&
      (!Array.isArray(p.enum) || p.enum.length === 0 || p.enum.length > 100)
    ) {
      fail(`${at}.enum`, 'must list 1..100 values');
    }
  }
  if (s.required !== undefined) {
    if (
      !Array.isArray(s.required) ||
      s.required.some((r) => typeof r !== 'string' || !names.includes(r))
    ) {
      fail('.required', 'must list names of declared properties');
    }
  }
  if (s.additionalProperties !== undefined && typeof s.additionalProperties !== 'boolean') {
    fail('.additionalProperties', 'must be a boolean');
  }
  if (!errors.length) {
    try {
      compile(schema as VariablesSchema);
    } catch (error) {
      fail('', `is not a valid JSON Schema: ${(error as Error).message.slice(0, 200)}`);
    }
  }
  return errors;
}

const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true, coerceTypes: false });
ajv.addFormat('date', {
  type: 'string',
  validate: (value: string) =>
    /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`)),
});

/** Compiled validators by schema text: templates are few, compiling is not free. */
const compiled = new Map<string, ValidateFunction>();

function compile(schema: VariablesSchema): ValidateFunction {
  const key = JSON.stringify(schema);
  let validate = compiled.get(key);
  if (!validate) {
    validate = ajv.compile(schema);
    if (compiled.size >= 500) compiled.delete(compiled.keys().next().value as string);
    compiled.set(key, validate);
  }
  return validate;
}

export interface VariablesCheck {
  /** The values with the schema's defaults filled in. */
  values: Record<string, unknown>;
  missing: string[];
  errors: FieldError[];
}

/** Validates values against a template's schema; every missing required variable at once. */
export function checkVariables(
  schema: VariablesSchema | null,
  values: Record<string, unknown>,
): VariablesCheck {
  const copy = structuredClone(values);
  if (!schema) return { values: copy, missing: [], errors: [] };
  const validate = compile(schema);
  if (validate(copy)) return { values: copy, missing: [], errors: [] };
  const missing: string[] = [];
  const errors: FieldError[] = [];
  for (const error of validate.errors ?? []) {
    if (error.keyword === 'required') {
      missing.push(String((error.params as { missingProperty: string }).missingProperty));
    } else {
      errors.push({
        field: `variables${error.instancePath.replace(/\//g, '.')}`,
        message: error.message ?? 'is invalid',
      });
    }
  }
  return { values: copy, missing: [...new Set(missing)].sort(), errors };
}

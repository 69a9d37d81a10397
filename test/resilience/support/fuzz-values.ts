import fc from 'fast-check';
import type { OpenApiDocument } from './openapi';
import { resolveRef } from './openapi-schema';

type Schema = Record<string, any>;

/** Values that break naive code: wrong types, extremes, huge and strange strings. */
export const hostile: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(
    null,
    0,
    -1,
    1.5,
    -2147483649,
    Number.MAX_SAFE_INTEGER + 2,
    1e308,
    true,
    false,
    '',
    ' ',
    '\u0000',
    'a\u0000b',
    '\u202e\u0301\uFEFF',
    '😀'.repeat(300),
    'x'.repeat(70_000),
    '9'.repeat(400),
    'NaN',
    '-1',
    "' OR 1=1 --",
    '../../etc/passwd',
    '%00',
    '${jndi:ldap://x}',
    '<script>alert(1)</script>',
    '2026-02-30T25:61:00Z',
    '00000000-0000-0000-0000-000000000000',
    [],
    [null],
    {},
    { __proto__: { admin: true } },
    { constructor: { prototype: { polluted: true } } },
  ),
  fc.string({ unit: 'binary', maxLength: 50 }),
  fc.integer(),
  fc.double(),
  fc.array(fc.string(), { maxLength: 3 }),
);

export interface Pools {
  ids: string[];
}

/** A value that mostly satisfies the schema, at its boundaries, with hostile values mixed in. */
export function valueFor(
  doc: OpenApiDocument,
  raw: Schema | undefined,
  pools: Pools,
  depth = 0,
): fc.Arbitrary<unknown> {
  const schema = resolveRef(doc, raw) ?? {};
  const fitting = fittingValue(doc, schema, pools, depth);
  return fc.oneof({ weight: 3, arbitrary: fitting }, { weight: 1, arbitrary: hostile });
}

function fittingValue(
  doc: OpenApiDocument,
  schema: Schema,
  pools: Pools,
  depth: number,
): fc.Arbitrary<unknown> {
  if (schema.enum) return fc.constantFrom(...(schema.enum as unknown[]));
  if (schema.allOf?.[0]) return valueFor(doc, schema.allOf[0], pools, depth);
  if (schema.oneOf || schema.anyOf) {
    const options = (schema.oneOf ?? schema.anyOf) as Schema[];
    return fc.oneof(...options.map((o) => valueFor(doc, o, pools, depth)));
  }
  switch (schema.type) {
    case 'integer':
    case 'number': {
      const min = typeof schema.minimum === 'number' ? schema.minimum : -1000;
      const max = typeof schema.maximum === 'number' ? schema.maximum : 1000;
      return fc.oneof(
        fc.constantFrom(min, max, min - 1, max + 1, 0),
        schema.type === 'integer' ? fc.integer({ min, max }) : fc.double({ min, max, noNaN: true }),
      );
    }
    case 'boolean':
      return fc.boolean();
    case 'array': {
      const max = Math.min(typeof schema.maxItems === 'number' ? schema.maxItems + 1 : 4, 40);
      return depth > 3
        ? fc.constant([])
        : fc.array(valueFor(doc, schema.items, pools, depth + 1), { maxLength: max });
    }
    case 'object':
    case undefined: {
      if (!schema.properties) {
        return depth > 3
          ? fc.constant({})
          : fc.dictionary(
              fc.string({ maxLength: 8 }),
              fc.oneof(fc.string(), fc.integer(), fc.boolean()),
              { maxKeys: 4 },
            );
      }
      const properties = schema.properties as Record<string, Schema>;
      const required = new Set<string>(schema.required ?? []);
      const record = fc.record(
        Object.fromEntries(
          Object.entries(properties).map(([k, v]) => [k, valueFor(doc, v, pools, depth + 1)]),
        ),
        { requiredKeys: [...required].filter((k) => k in properties) },
      );
      // Sometimes drop a required field, sometimes add one the DTO does not declare.
      return fc
        .tuple(record, fc.nat(9), fc.constantFrom(...Object.keys(properties), 'isAdmin'))
        .map(([value, dice, key]) => {
          const copy: Record<string, unknown> = { ...value };
          if (dice === 0) delete copy[key];
          if (dice === 1) copy.isAdmin = true;
          return copy;
        });
    }
    case 'string':
    default:
      return stringFor(schema, pools);
  }
}

function stringFor(schema: Schema, pools: Pools): fc.Arbitrary<unknown> {
  const min = typeof schema.minLength === 'number' ? schema.minLength : 0;
  const max = typeof schema.maxLength === 'number' ? schema.maxLength : undefined;
  const around: fc.Arbitrary<string>[] = [
    fc.string({ minLength: min, maxLength: Math.min(max ?? 40, 300) }),
  ];
  if (max !== undefined)
    around.push(fc.constantFrom('a'.repeat(max), 'a'.repeat(max + 1), 'é'.repeat(max)));
  if (min > 0) around.push(fc.constant('a'.repeat(min - 1)));
  switch (schema.format) {
    case 'uuid':
      return fc.oneof(
        fc.constantFrom(...pools.ids),
        fc.uuid(),
        fc.constantFrom('not-a-uuid', '1', 'ffffffff-ffff-ffff-ffff-fffffffffffffff'),
      );
    case 'date-time':
      return fc.oneof(
        fc
          .date({ min: new Date('1970-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
          .map((d) => d.toISOString()),
        fc.constantFrom('yesterday', '2026-13-01T00:00:00Z', '0000-01-01T00:00:00Z'),
      );
    case 'email':
      return fc.oneof(
        fc.emailAddress(),
        fc.constantFrom('@', 'a@', 'a'.repeat(300) + '@example.com'),
      );
    default:
      return fc.oneof(
        fc.constantFrom(...pools.ids),
        fc.string({ unit: 'grapheme', maxLength: 30 }),
        ...around,
      );
  }
}

import { checkVariables, schemaErrors } from './variables-schema';

describe('variables schema', () => {
  const schema = {
    type: 'object' as const,
    properties: {
      name: { type: 'string' },
      day: { type: 'string', format: 'date' },
      plan: { type: 'string', enum: ['basic', 'pro'], default: 'basic' },
    },
    required: ['name', 'day'],
  };

  it('accepts the allowed subset and refuses patterns, refs and nesting', () => {
    expect(schemaErrors(schema)).toEqual([]);
    const fields = schemaErrors({
      type: 'object',
      $ref: '#/x',
      properties: { a: { type: 'string', pattern: '(a+)+' }, b: { type: 'object' } },
    }).map((e) => e.field);
    expect(fields).toEqual(
      expect.arrayContaining([
        'variables.$ref',
        'variables.properties.a.pattern',
        'variables.properties.b.type',
      ]),
    );
  });

  it('lists every missing variable at once and fills defaults', () => {
    expect(checkVariables(schema, {})).toMatchObject({ missing: ['day', 'name'] });
    const ok = checkVariables(schema, { name: 'A', day: '2026-02-01' });
    expect(ok).toEqual({
      values: { name: 'A', day: '2026-02-01', plan: 'basic' },
      missing: [],
      errors: [],
    });
    expect(checkVariables(schema, { name: 'A', day: '2026-13-45' }).errors[0].field).toBe(
      'variables.day',
    );
  });
});

import {
  DEFAULT_JSON_SHAPE,
  findReservedKey,
  jsonDepthExceeds,
  jsonShapeViolation,
} from './json-depth';

describe('jsonDepthExceeds', () => {
  it('counts arrays and objects, not brackets inside strings', () => {
    expect(jsonDepthExceeds('{"a":{"b":[1,[2]]}}', 4)).toBe(false);
    expect(jsonDepthExceeds('{"a":{"b":[1,[2]]}}', 3)).toBe(true);
    expect(jsonDepthExceeds('{"a":"[[[[[[[[{{{{{{"}', 1)).toBe(false);
    expect(jsonDepthExceeds('{"a":"\\"[[[[{{{{"}', 1)).toBe(false);
    expect(jsonDepthExceeds('[]', 1)).toBe(false);
  });

  it('flags a deep body in one pass', () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    expect(jsonDepthExceeds(deep, 64)).toBe(true);
    expect(jsonDepthExceeds(`{"a":${'{"a":'.repeat(63)}1${'}'.repeat(64)}`, 64)).toBe(false);
  });
});

describe('findReservedKey', () => {
  it('finds __proto__, constructor and prototype keys at any depth, in objects and arrays', () => {
    expect(findReservedKey({ a: { b: [{ constructor: { prototype: {} } }] } })).toBe('constructor');
    expect(findReservedKey(JSON.parse('{"x": {"__proto__": {"polluted": true}}}'))).toBe(
      '__proto__',
    );
    expect(findReservedKey([{ ok: 1 }, { prototype: 1 }])).toBe('prototype');
  });

  it('accepts ordinary values, including the words as values', () => {
    expect(findReservedKey({ title: 'constructor', tags: ['__proto__'], n: 1 })).toBeUndefined();
    expect(findReservedKey('constructor')).toBeUndefined();
    expect(findReservedKey(null)).toBeUndefined();
  });
});

describe('jsonShapeViolation', () => {
  const limits = { maxDepth: 8, maxKeys: 3, maxItems: 4 };

  it('counts the members of each object and array, not commas inside strings', () => {
    expect(jsonShapeViolation('{"a":1,"b":2,"c":3}', limits)).toBeUndefined();
    expect(jsonShapeViolation('{"a":1,"b":2,"c":3,"d":4}', limits)).toBe(
      'an object has more than 3 keys (BODY_MAX_KEYS)',
    );
    expect(jsonShapeViolation('[1,2,3,4]', limits)).toBeUndefined();
    expect(jsonShapeViolation('[1,2,3,4,5]', limits)).toBe(
      'an array has more than 4 items (BODY_MAX_ITEMS)',
    );
    expect(jsonShapeViolation('{"a":"x,y,z,w,v","b":"\\",,,,"}', limits)).toBeUndefined();
  });

  it('keeps each nested container its own count', () => {
    // Three keys outside, four items inside each array: within both limits.
    expect(
      jsonShapeViolation('{"a":[1,2,3,4],"b":{"x":1,"y":2,"z":3},"c":[[1,2,3,4],[]]}', limits),
    ).toBeUndefined();
    expect(jsonShapeViolation('{"a":[1,2,3,4,[1,2]]}', limits)).toContain('more than 4 items');
  });

  it('refuses depth as before, and stops at the first key past the limit', () => {
    expect(jsonShapeViolation('[[[[[[[[[1]]]]]]]]]', limits)).toBe(
      'nested more than 8 levels deep',
    );
    const wide = `{${Array.from({ length: 100_000 }, (_, i) => `"k${i}":1`).join(',')}}`;
    expect(jsonShapeViolation(wide, DEFAULT_JSON_SHAPE)).toBe(
      'an object has more than 1000 keys (BODY_MAX_KEYS)',
    );
  });
});

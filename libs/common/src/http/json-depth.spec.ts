import { jsonDepthExceeds, findReservedKey } from './json-depth';

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

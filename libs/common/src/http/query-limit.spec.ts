import { limitedQuerystringParser } from './query-limit';

describe('limitedQuerystringParser', () => {
  const parse = limitedQuerystringParser(3);

  it('parses like Fastify within the limit (repeated keys become arrays)', () => {
    expect({ ...parse('tag=a&tag=b&limit=5') }).toEqual({ tag: ['a', 'b'], limit: '5' });
    expect(parse('')).toEqual({});
  });

  it('marks, never throws on, a query with more parameters than allowed', () => {
    const marked = parse('a=1&b=2&c=3&d=4');
    expect(Object.keys(marked)).toEqual([]);
    expect(Object.getOwnPropertySymbols(marked)).toHaveLength(1);
  });
});

import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { DEFAULT_BLOCK_LIMITS, codePoints, configureBlockLimits } from './block-limits';
import { CreateBlockDto } from './dto/create-block.dto';

function errorsOf(body: Record<string, unknown>): string[] {
  const dto = plainToInstance(CreateBlockDto, body);
  return validateSync(dto, { whitelist: true, forbidNonWhitelisted: true }).map((e) => e.property);
}

describe('block limits', () => {
  afterEach(() => configureBlockLimits({ ...DEFAULT_BLOCK_LIMITS }));

  it('accepts a block at every limit', () => {
    expect(
      errorsOf({
        title: 'é'.repeat(200),
        content: 'a'.repeat(1024 * 1024),
        tags: Array.from({ length: 32 }, (_, i) => `${i}`.padEnd(64, 'x')),
        metadata: { note: 'x'.repeat(16 * 1024 - 12) },
      }),
    ).toEqual([]);
  });

  it('refuses each field one past its limit', () => {
    expect(errorsOf({ title: 'a'.repeat(201) })).toEqual(['title']);
    expect(errorsOf({ title: 'ok', content: 'a'.repeat(1024 * 1024 + 1) })).toEqual(['content']);
    expect(errorsOf({ title: 'ok', content: 'é'.repeat(512 * 1024 + 1) })).toEqual(['content']);
    expect(errorsOf({ title: 'ok', tags: Array.from({ length: 33 }, (_, i) => `t${i}`) })).toEqual([
      'tags',
    ]);
    expect(errorsOf({ title: 'ok', tags: ['x'.repeat(65)] })).toEqual(['tags']);
    expect(errorsOf({ title: 'ok', metadata: { note: 'x'.repeat(16 * 1024) } })).toEqual([
      'metadata',
    ]);
  });

  it('refuses blank titles, wrong types, duplicate tags, arrays as metadata and unknown fields', () => {
    expect(errorsOf({ title: '   ' })).toEqual(['title']);
    expect(errorsOf({ title: 'a\nb' })).toEqual(['title']);
    expect(errorsOf({ title: 42 })).toEqual(['title']);
    expect(errorsOf({ title: 'ok', tags: ['a', 'a'] })).toEqual(['tags']);
    expect(errorsOf({ title: 'ok', tags: 'a' })).toEqual(['tags']);
    expect(errorsOf({ title: 'ok', metadata: [] })).toEqual(['metadata']);
    expect(errorsOf({ title: 'ok', metadata: null })).toEqual(['metadata']);
    expect(errorsOf({ title: 'ok', content: null, type: null })).toEqual(['content', 'type']);
    expect(errorsOf({ title: 'ok', type: 'pdf' })).toEqual(['type']);
    expect(errorsOf({ title: 'ok', owner: 'me' })).toEqual(['owner']);
    expect(errorsOf({ title: 'ok', content: 'a\u0000b' })).toEqual(['content']);
  });

  it('applies configured limits at validation time', () => {
    configureBlockLimits({ ...DEFAULT_BLOCK_LIMITS, maxTitleLength: 5, maxTags: 1 });
    expect(errorsOf({ title: 'abcdef' })).toEqual(['title']);
    expect(errorsOf({ title: 'abc', tags: ['a', 'b'] })).toEqual(['tags']);
  });

  it('counts characters as code points', () => {
    expect(codePoints('a😀b')).toBe(3);
  });
});

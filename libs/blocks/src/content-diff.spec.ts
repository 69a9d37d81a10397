import { contentDiff } from './content-diff';

describe('contentDiff', () => {
  it('is empty when the content is equal', () => {
    expect(contentDiff({ version: 1, content: 'same' }, { version: 2, content: 'same' })).toBe('');
  });

  it('is a unified diff naming both versions', () => {
    const diff = contentDiff(
      { version: 1, content: 'one\ntwo\nthree\n' },
      { version: 3, content: 'one\n2\nthree\n' },
    );
    expect(diff).toContain('--- v1');
    expect(diff).toContain('+++ v3');
    expect(diff).toContain('-two');
    expect(diff).toContain('+2');
    expect(diff).toMatch(/^@@ -1,3 \+1,3 @@$/m);
  });

  it('falls back to a whole replacement when the edit is too large to compute', () => {
    const a = Array.from({ length: 5000 }, (_, i) => `a${i}`).join('\n');
    const b = Array.from({ length: 5000 }, (_, i) => `b${i}`).join('\n');
    const diff = contentDiff({ version: 1, content: a }, { version: 2, content: b });
    expect(diff.split('\n').slice(0, 3)).toEqual(['--- v1', '+++ v2', '@@ -1,5000 +1,5000 @@']);
  });
});

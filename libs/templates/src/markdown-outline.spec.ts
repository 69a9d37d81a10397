import { offsetHeadings, outline, tocMarkdown } from './markdown-outline';

describe('markdown outline', () => {
  it('numbers headings from the shallowest level and leaves fenced code alone', () => {
    const source = '# A\n\n## B\n\n```\n# not a heading\n```\n\n## C\n\n# D';
    const { markdown, toc } = outline(source, true);
    expect(toc).toEqual([
      { level: 1, text: 'A', number: '1' },
      { level: 2, text: 'B', number: '1.1' },
      { level: 2, text: 'C', number: '1.2' },
      { level: 1, text: 'D', number: '2' },
    ]);
    expect(markdown).toBe('# 1 A\n\n## 1.1 B\n\n```\n# not a heading\n```\n\n## 1.2 C\n\n# 2 D');
    expect(outline(source, false).markdown).toBe(source);
    expect(tocMarkdown(toc)).toBe('- 1 A\n  - 1.1 B\n  - 1.2 C\n- 2 D');
  });

  it('moves headings deeper by an offset, never past level 6', () => {
    expect(offsetHeadings('# A\ntext #x\n##### E', 2)).toBe('### A\ntext #x\n###### E');
  });
});

import { renderText } from './text-renderer';

describe('renderText', () => {
  it('numbers headings from the TOC and writes lists, tables, links, TOC and page breaks as text', () => {
    const text = renderText({
      title: 'Guide',
      markdown: [
        '# Start',
        '',
        '<!-- toc -->',
        '',
        'Read [the docs](https://example.com/docs) or <https://example.com>.',
        '',
        '- one',
        '  1. first',
        '  2. second',
        '',
        '<!-- page-break -->',
        '',
        '## Table',
        '',
        '| Name | Qty |',
        '| ---- | --: |',
        '| Apple | 3 |',
        '| Kiwi | 12 |',
      ].join('\n'),
      toc: [
        { level: 1, text: 'Start', number: '1' },
        { level: 2, text: 'Table', number: '1.1' },
      ],
    });
    expect(text).toBe(
      [
        'Guide',
        '=====',
        '',
        '1 Start',
        '=======',
        '',
        '1 Start',
        '  1.1 Table',
        '',
        'Read the docs <https://example.com/docs> or <https://example.com>.',
        '',
        '- one',
        '  1. first',
        '  2. second',
        '\f',
        '1.1 Table',
        '---------',
        '',
        'Name  | Qty',
        '------+----',
        'Apple |   3',
        'Kiwi  |  12',
        '',
      ].join('\n'),
    );
  });

  it('keeps raw HTML as its text', () => {
    expect(renderText({ title: 'T', markdown: '<b>bold</b> & co', toc: [] })).toContain(
      '<b>bold</b> & co',
    );
  });
});

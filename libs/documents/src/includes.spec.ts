import { segments } from './includes';

const ID = '01936b9e-3c1a-7b4e-9d2f-5a6b7c8d9e0f';

describe('include_block lines', () => {
  it('splits content at include lines, with their pins', () => {
    expect(
      segments(
        `before\n{% include_block "${ID}" %}\n  {%- include_block "${ID.toUpperCase()}" version: 3 -%}  \nafter`,
      ),
    ).toEqual([
      { kind: 'text', text: 'before' },
      { kind: 'include', blockId: ID, pin: 'latest' },
      { kind: 'include', blockId: ID, pin: 3 },
      { kind: 'text', text: 'after' },
    ]);
  });

  it('keeps an include that is not alone on its line as text (Liquid refuses it later)', () => {
    const inline = `see {% include_block "${ID}" %} here`;
    expect(segments(inline)).toEqual([{ kind: 'text', text: inline }]);
    expect(segments(`{% include_block "${ID}" version: 0 %}`)[0].kind).toBe('text');
  });
});

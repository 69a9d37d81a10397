import { orLexemes } from './tsquery-terms';

describe('orLexemes', () => {
  it('reads one lexeme and an OR of lexemes', () => {
    expect(orLexemes(`'zeppelin'`)).toEqual(['zeppelin']);
    expect(orLexemes(`'pric' | 'support'`)).toEqual(['pric', 'support']);
    expect(orLexemes(`'a' | 'b' | 'c'`)).toEqual(['a', 'b', 'c']);
  });

  it('undoes the doubled quotes and backslashes of the text form', () => {
    expect(orLexemes(`'it''s' | 'a\\\\b'`)).toEqual([`it's`, 'a\\b']);
  });

  it.each([
    ['an empty query', ''],
    ['AND', `'pric' & 'support'`],
    ['a phrase', `'pric' <-> 'support'`],
    ['a negation', `!'pric'`],
    ['a negated operand', `'pric' | !'support'`],
    ['a weight', `'pric':A`],
    ['a prefix', `'pric':*`],
    ['parentheses', `( 'a' | 'b' ) & 'c'`],
    ['a repeated lexeme', `'pric' | 'pric'`],
    ['an unterminated lexeme', `'pric`],
    ['a trailing operator', `'pric' | `],
  ])('refuses %s', (_name, text) => {
    expect(orLexemes(text)).toBeUndefined();
  });
});

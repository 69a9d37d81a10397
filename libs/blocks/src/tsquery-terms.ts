/**
 * The lexemes of a tsquery (PostgreSQL's text form, e.g. `'pric' | 'support'`) when the query is
 * one lexeme or an OR of distinct lexemes, without weights, prefixes, negation, AND or phrases;
 * otherwise undefined. Only such queries rank as a sum of per-lexeme scores (see the postings
 * migration). A scan, not a regular expression: linear in the input.
 */
export function orLexemes(tsquery: string): string[] | undefined {
  const lexemes = new Set<string>();
  let at = 0;
  for (;;) {
    if (tsquery[at] !== "'") return undefined;
    let lexeme = '';
    at += 1;
    for (;;) {
      const char = tsquery[at];
      if (char === undefined) return undefined;
      // The output doubles quotes and backslashes inside a lexeme.
      if ((char === "'" || char === '\\') && tsquery[at + 1] === char) {
        lexeme += char;
        at += 2;
      } else if (char === "'") {
        at += 1;
        break;
      } else {
        lexeme += char;
        at += 1;
      }
    }
    if (lexemes.has(lexeme)) return undefined;
    lexemes.add(lexeme);
    if (at === tsquery.length) return [...lexemes];
    if (!tsquery.startsWith(' | ', at)) return undefined;
    at += 3;
  }
}

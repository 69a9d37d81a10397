import type { DocToken } from './text-document';

export interface Keyword {
  term: string;
  weight: number;
}

const CONTENT = new Set(['NOUN', 'PROPN', 'ADJ']);
const HEAD = new Set(['NOUN', 'PROPN']);
/** A phrase of two content words says more than either word alone. */
const PHRASE_BOOST = 1.5;

function isContent(t: DocToken): boolean {
  return t.type === 'word' && !t.stop && CONTENT.has(t.pos) && t.normal.length >= 3;
}

/**
 * Keywords by frequency of content words (nouns, proper nouns, adjectives; no stop words) and
 * of two-word noun phrases inside one sentence, weighted 0..1 against the strongest term. Forms
 * of a word count together (by stem) and are shown as first written.
 */
export function keywords(tokens: DocToken[], limit: number): Keyword[] {
  const terms = new Map<string, { term: string; score: number; seen: number }>();
  const add = (key: string, term: string, by: number) => {
    const entry = terms.get(key) ?? { term, score: 0, seen: 0 };
    entry.score += by;
    entry.seen++;
    terms.set(key, entry);
  };
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (!isContent(t)) continue;
    if (t.pos !== 'ADJ') add(t.stem, t.normal, 1);
    const next = tokens[i + 1];
    if (next && next.sentence === t.sentence && isContent(next) && HEAD.has(next.pos)) {
      add(`${t.stem} ${next.stem}`, `${t.normal} ${next.normal}`, PHRASE_BOOST);
    }
  }
  // A phrase seen once is a coincidence of wording, not a topic.
  const ranked = [...terms.values()]
    .filter((entry) => entry.seen > 1 || !entry.term.includes(' '))
    .sort((a, b) => b.score - a.score || a.term.localeCompare(b.term))
    .slice(0, limit);
  const top = ranked[0]?.score ?? 1;
  return ranked.map(({ term, score }) => ({
    term,
    weight: Math.round((score / top) * 1000) / 1000,
  }));
}

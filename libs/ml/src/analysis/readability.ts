import type { DocToken } from './text-document';

/** Average adult silent reading speed, words per minute. */
const WORDS_PER_MINUTE = 238;

export interface Readability {
  fleschReadingEase: number;
  readingTimeSeconds: number;
}

/**
 * Syllables of an English word by vowel groups, less a silent final "e" (not "-le"): the usual
 * approximation behind Flesch scores; exact counts need a pronouncing dictionary.
 */
export function syllables(word: string): number {
  const w = word.toLowerCase().replace(/[^a-z]/g, '');
  if (!w) return 0;
  if (w.length <= 3) return 1;
  const groups = w.match(/[aeiouy]+/g)?.length ?? 0;
  let n = groups;
  if (w.endsWith('e') && !w.endsWith('le') && groups > 1) n--;
  if (/[^aeiouy]ed$/.test(w) && !/[td]ed$/.test(w) && n > 1) n--;
  return Math.max(1, n);
}

/** Words are tokens of type word (numbers, punctuation and symbols are not read as words). */
export function words(tokens: DocToken[]): DocToken[] {
  return tokens.filter((t) => t.type === 'word');
}

/** Flesch reading ease (206.835 − 1.015 · words/sentence − 84.6 · syllables/word), 1 decimal. */
export function readability(tokens: DocToken[], sentenceCount: number): Readability {
  const wordTokens = words(tokens);
  const readingTimeSeconds = Math.ceil((wordTokens.length / WORDS_PER_MINUTE) * 60);
  if (!wordTokens.length || !sentenceCount) return { fleschReadingEase: 0, readingTimeSeconds };
  const syllableCount = wordTokens.reduce((sum, t) => sum + syllables(t.value), 0);
  const score =
    206.835 -
    1.015 * (wordTokens.length / sentenceCount) -
    84.6 * (syllableCount / wordTokens.length);
  return { fleschReadingEase: Math.round(score * 10) / 10, readingTimeSeconds };
}

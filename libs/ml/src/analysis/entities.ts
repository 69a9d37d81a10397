import nlp from 'compromise';
import type { DocEntity } from './text-document';

/** How an entity was found: wink-nlp's trained model, or compromise's lexicon and rules. */
export type EntityMethod = 'model' | 'heuristic';

export interface FoundEntity {
  text: string;
  type: string;
  start: number;
  end: number;
  method: EntityMethod;
}

/** Types the English model finds by their form (they read the same in any language). */
export const LANGUAGE_NEUTRAL_TYPES = new Set(['EMAIL', 'URL', 'HASHTAG', 'MENTION', 'EMOJI']);
/** Types that need English: wink's model types by wording, and compromise's three. */
export const ENGLISH_ONLY_TYPES = [
  'DATE',
  'TIME',
  'MONEY',
  'PERCENT',
  'CARDINAL',
  'ORDINAL',
  'DURATION',
  'MEASURE',
  'PERSON',
  'PLACE',
  'ORGANIZATION',
];

interface Matches {
  json(options: { offset: boolean }): unknown;
}

const HEURISTIC: Array<[type: string, pick: (doc: ReturnType<typeof nlp>) => Matches]> = [
  ['PERSON', (doc) => doc.people()],
  ['PLACE', (doc) => doc.places()],
  ['ORGANIZATION', (doc) => doc.organizations()],
];

interface Offset {
  offset?: { start: number; length: number };
}

/** Trailing punctuation compromise keeps on a match ("United Nations."): not part of a name. */
const TRAILING = new Set([...' \t\n\r.,;:!?)"\']']);

/** `value` without its trailing punctuation, trimmed by index (linear on any input). */
function trimTrailing(value: string): string {
  let end = value.length;
  while (end > 0 && TRAILING.has(value[end - 1])) end -= 1;
  return value.slice(0, end);
}

/** PERSON, PLACE and ORGANIZATION from compromise, with offsets into `text`. */
export function heuristicEntities(text: string): FoundEntity[] {
  const doc = nlp(text);
  const found: FoundEntity[] = [];
  for (const [type, pick] of HEURISTIC) {
    for (const match of pick(doc).json({ offset: true }) as Offset[]) {
      if (!match.offset) continue;
      const start = match.offset.start;
      let value = text.slice(start, start + match.offset.length);
      value = trimTrailing(value);
      if (!value) continue;
      found.push({ text: value, type, start, end: start + value.length, method: 'heuristic' });
    }
  }
  return found;
}

/**
 * The model's entities first; a heuristic one is kept only where it overlaps none already kept
 * (a date inside "March Smith" is the model's call). Sorted by position.
 */
export function mergeEntities(model: DocEntity[], heuristic: FoundEntity[]): FoundEntity[] {
  const kept: FoundEntity[] = model.map((e) => ({ ...e, method: 'model' }));
  for (const candidate of heuristic) {
    const overlaps = kept.some((e) => e.start < candidate.end && candidate.start < e.end);
    if (!overlaps) kept.push(candidate);
  }
  return kept.sort((a, b) => a.start - b.start || a.end - b.end);
}

import type { ItemEntity, ItemSentence, ItsFunction, PartOfSpeech } from 'wink-nlp';
import { english } from './english';

export interface DocToken {
  value: string;
  normal: string;
  stem: string;
  pos: PartOfSpeech;
  /** wink's token type: word, number, punctuation, email, url, emoji, ... */
  type: string;
  stop: boolean;
  negated: boolean;
  /** Offsets into the original text (UTF-16 code units, as String.prototype.slice). */
  start: number;
  end: number;
  sentence: number;
}

export interface DocSentence {
  text: string;
  start: number;
  end: number;
  /** Token indices [first, last]. */
  tokens: [number, number];
}

export interface DocEntity {
  text: string;
  type: string;
  start: number;
  end: number;
}

/** What every analysis reads of a text: one wink-nlp pass, with character offsets. */
export interface TextDocument {
  text: string;
  tokens: DocToken[];
  sentences: DocSentence[];
  entities: DocEntity[];
  /** wink's sentiment of the whole text, -1..1. */
  sentiment: number;
}

/**
 * Reads a text once with wink-nlp. wink keeps every token's preceding whitespace, so summing
 * lengths in order gives each token's exact offset in the input (its output is lossless).
 */
export function readText(text: string): TextDocument {
  const nlp = english();
  const its = nlp.its;
  const doc = nlp.readDoc(text);
  const all = doc.tokens();
  // wink's typings cannot express helpers that take the model's add-ons (stem): read loosely.
  const out = <T>(f: unknown): T[] => all.out(f as ItsFunction<T>) as T[];
  const values = out<string>(its.value);
  const spaces = out<string>(its.precedingSpaces);
  const normals = out<string>(its.normal);
  const stems = out<string>(its.stem);
  const pos = out<PartOfSpeech>(its.pos);
  const types = out<string>(its.type);
  const stops = out<boolean>(its.stopWordFlag);
  const negations = out<boolean>(its.negationFlag);

  const tokens: DocToken[] = [];
  let offset = 0;
  for (let i = 0; i < values.length; i++) {
    offset += spaces[i].length;
    const start = locate(text, values[i], offset);
    offset = start + values[i].length;
    tokens.push({
      value: values[i],
      normal: normals[i],
      stem: stems[i],
      pos: pos[i],
      type: types[i],
      stop: stops[i],
      negated: negations[i],
      start,
      end: offset,
      sentence: 0,
    });
  }

  const sentences: DocSentence[] = [];
  doc.sentences().each((sentence: ItemSentence) => {
    const span = sentence.out(its.span) as unknown as [number, number];
    const [first, last] = span;
    if (!tokens[first] || !tokens[last]) return;
    for (let i = first; i <= last; i++) tokens[i].sentence = sentences.length;
    const start = tokens[first].start;
    const end = tokens[last].end;
    sentences.push({ text: text.slice(start, end), start, end, tokens: [first, last] });
  });

  const entities: DocEntity[] = [];
  doc.entities().each((entity: ItemEntity) => {
    const [first, last] = entity.out(its.span) as unknown as [number, number];
    if (!tokens[first] || !tokens[last]) return;
    const start = tokens[first].start;
    const end = tokens[last].end;
    entities.push({ text: text.slice(start, end), type: String(entity.out(its.type)), start, end });
  });

  return { text, tokens, sentences, entities, sentiment: Number(doc.out(its.sentiment)) || 0 };
}

/**
 * Where a token starts: normally right at `from`; wink may normalise a few characters (quotes,
 * ellipses), so look a short way ahead before trusting the running offset.
 */
function locate(text: string, value: string, from: number): number {
  if (text.startsWith(value, from)) return from;
  const found = text.indexOf(value, from);
  return found >= 0 && found - from <= 8 ? found : from;
}

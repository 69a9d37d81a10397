import { KEYWORDS } from '../ml-limits';
import {
  ENGLISH_ONLY_TYPES,
  type FoundEntity,
  LANGUAGE_NEUTRAL_TYPES,
  heuristicEntities,
  mergeEntities,
} from './entities';
import { type Keyword, keywords } from './keywords';
import { detectLanguage, isEnglish } from './language';
import { type Readability, readability, words } from './readability';
import { type RankedSentence, summarize } from './summarize';
import { readText } from './text-document';

export type SentimentLabel = 'positive' | 'negative' | 'neutral';

export interface Analysis {
  language: string;
  sentences: number;
  words: number;
  readability: Readability | null;
  sentiment: { score: number; label: SentimentLabel } | null;
  keywords: Keyword[];
  /** What the English model could not answer for this language (empty for English). */
  unsupported: string[];
}

export interface EntitiesResult {
  language: string;
  entities: FoundEntity[];
  unsupported: string[];
}

export interface SummaryResult {
  language: string;
  summary: string;
  sentences: RankedSentence[];
  method: 'extractive';
}

/** Below this magnitude wink's sentiment reads as neutral. */
const NEUTRAL_BAND = 0.05;

function sentimentLabel(score: number): SentimentLabel {
  if (score > NEUTRAL_BAND) return 'positive';
  if (score < -NEUTRAL_BAND) return 'negative';
  return 'neutral';
}

const round = (n: number, places: number) => Math.round(n * 10 ** places) / 10 ** places;

/**
 * Counts, readability, sentiment and keywords. Sentence and word counts hold for any language
 * written with spaces and full stops; readability (English syllables), sentiment (an English
 * lexicon) and keywords (English parts of speech) are listed `unsupported` for others.
 */
export async function analyze(text: string): Promise<Analysis> {
  const guess = await detectLanguage(text);
  const doc = readText(text);
  const english = isEnglish(guess);
  return {
    language: guess.language,
    sentences: doc.sentences.length,
    words: words(doc.tokens).length,
    readability: english ? readability(doc.tokens, doc.sentences.length) : null,
    sentiment: english
      ? { score: round(doc.sentiment, 4), label: sentimentLabel(doc.sentiment) }
      : null,
    keywords: english ? keywords(doc.tokens, KEYWORDS) : [],
    unsupported: english ? [] : ['readability', 'sentiment', 'keywords'],
  };
}

/** The model's entities and compromise's names; for other languages, only form-based types. */
export async function findEntities(text: string): Promise<EntitiesResult> {
  const guess = await detectLanguage(text);
  const doc = readText(text);
  if (!isEnglish(guess)) {
    const neutral = doc.entities.filter((e) => LANGUAGE_NEUTRAL_TYPES.has(e.type));
    return {
      language: guess.language,
      entities: mergeEntities(neutral, []),
      unsupported: ENGLISH_ONLY_TYPES,
    };
  }
  return {
    language: guess.language,
    entities: mergeEntities(doc.entities, heuristicEntities(text)),
    unsupported: [],
  };
}

/** TextRank over the text's sentences; works on any language wink can split into sentences. */
export async function summarizeText(text: string, count: number): Promise<SummaryResult> {
  const guess = await detectLanguage(text);
  const doc = readText(text);
  const sentences = summarize(doc.tokens, doc.sentences, count);
  return {
    language: guess.language,
    summary: sentences.map((s) => s.text).join(' '),
    sentences,
    method: 'extractive',
  };
}

/** Keywords alone (for tag suggestions), with the language that says whether they are real. */
export async function keywordsOf(
  text: string,
  limit: number,
): Promise<{ language: string; keywords: Keyword[] }> {
  const guess = await detectLanguage(text);
  if (!isEnglish(guess)) return { language: guess.language, keywords: [] };
  return { language: guess.language, keywords: keywords(readText(text).tokens, limit) };
}

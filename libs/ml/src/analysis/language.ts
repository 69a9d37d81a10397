/** What the language detector says of a text. */
export interface LanguageGuess {
  /** ISO 639-1 code, or `und` when the text is too short or mixed to tell. */
  language: string;
  reliable: boolean;
}

interface Eld {
  detect(text: string): { language: string; isReliable(): boolean };
}

/** Texts shorter than this are assumed English: n-gram detection needs some material. */
const MIN_LENGTH = 20;
/** Detection reads the start of the text only: enough to tell, and bounded. */
const SAMPLE = 2000;

let detector: Promise<Eld> | undefined;

/**
 * eld (n-gram profiles, offline) ships as an ES module only; the extra-small profile set keeps a
 * worker's heap small (about 30 MB) and still knows 60 languages.
 */
function loadDetector(): Promise<Eld> {
  detector ??= import('eld/extrasmall').then((m: { eld: Eld }) => m.eld);
  return detector;
}

export async function detectLanguage(text: string): Promise<LanguageGuess> {
  const sample = text.slice(0, SAMPLE);
  if (sample.trim().length < MIN_LENGTH) return { language: 'en', reliable: false };
  const result = (await loadDetector()).detect(sample);
  if (!result.language) return { language: 'und', reliable: false };
  return { language: result.language, reliable: result.isReliable() };
}

/** The English model answers for English, and for text whose language cannot be told. */
export function isEnglish(guess: LanguageGuess): boolean {
  return guess.language === 'en' || guess.language === 'und' || !guess.reliable;
}

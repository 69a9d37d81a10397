/** Longest text one request may analyse, in UTF-16 code units (JavaScript string length). */
export const MAX_TEXT_LENGTH = 100_000;

/** Most texts one embeddings request may carry. */
export const MAX_EMBEDDING_TEXTS = 64;

/** Training reads at most this many of the tenant's most recently updated blocks ... */
export const MAX_TRAINING_BLOCKS = 2000;
/** ... and at most this many characters of each (title first). */
export const MAX_TRAINING_CHARS = 4000;

/** A label needs this many examples to be learned; fewer and it is left out of the model. */
export const MIN_EXAMPLES_PER_LABEL = 2;

/** Share of each label's examples held out to measure accuracy. */
export const HELD_OUT_SHARE = 0.2;

/** Summaries have 1..10 sentences; 3 unless asked. */
export const MAX_SUMMARY_SENTENCES = 10;
export const DEFAULT_SUMMARY_SENTENCES = 3;

/** Keywords returned by analyze. */
export const KEYWORDS = 10;

/**
 * A fresh worker thread loads the English model, the entity lexicon and the language profiles
 * (about 1 to 3 s on a busy two-core machine) before its first ML task: added to the task budget
 * so a cold thread is not mistaken for a runaway task.
 */
export const MODEL_LOAD_ALLOWANCE_MS = 10_000;

/** Training reads up to MAX_TRAINING_BLOCKS texts twice (held-out pass, then all). */
export const TRAINING_TIMEOUT_MS = 60_000;

import NaiveBayes from 'wink-naive-bayes-text-classifier';
import { HELD_OUT_SHARE, MIN_EXAMPLES_PER_LABEL } from '../ml-limits';
import { readText } from './text-document';

/** One labelled text: a block, with its type or its tags as labels. */
export interface TrainingExample {
  id: string;
  text: string;
  labels: string[];
}

export interface TrainedClassifier {
  /** wink-naive-bayes-text-classifier's own JSON export. */
  model: string;
  labels: Array<{ label: string; examples: number }>;
  examples: number;
  /** Share of held-out examples whose predicted label is one of theirs; null with none held out. */
  accuracy: number | null;
  heldOut: number;
}

export interface Prediction {
  label: string;
  confidence: number;
  alternatives: Array<{ label: string; confidence: number }>;
}

/** Why a training set cannot make a model (a 422 to the client). */
export class NotEnoughExamplesError extends Error {}

/** Laplace smoothing at half weight, counting each word once per text: best on short texts. */
const CONFIG = { considerOnlyPresence: true, smoothingFactor: 0.5 };
const ALTERNATIVES = 4;
/** The label of a text the model knows no word of. */
export const UNKNOWN = 'unknown';

/** Features: stems of the words, stop words left out, negated ones marked (wink's own recipe). */
export function features(text: string): string[] {
  const out: string[] = [];
  for (const t of readText(text).tokens) {
    if (t.type !== 'word' || t.stop) continue;
    const stem = t.stem || t.normal;
    out.push(t.negated ? `!${stem}` : stem);
  }
  return out;
}

/** FNV-1a: a stable, seedless order for the held-out split (the same blocks, the same split). */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

function learnAll(items: Array<{ tokens: string[]; labels: string[] }>, keep: Set<string>) {
  const nb = NaiveBayes();
  nb.defineConfig(CONFIG);
  for (const item of items) {
    for (const label of item.labels) if (keep.has(label)) nb.learn(item.tokens, label);
  }
  nb.consolidate();
  return nb;
}

/**
 * Trains a multinomial naive Bayes classifier. Labels with fewer than MIN_EXAMPLES_PER_LABEL
 * examples are dropped; of each label's examples (by its first label) a fifth is held out, a
 * model is trained on the rest and scored on them, then the stored model learns from all.
 */
export function trainClassifier(examples: TrainingExample[]): TrainedClassifier {
  const counts = new Map<string, number>();
  for (const e of examples) for (const l of e.labels) counts.set(l, (counts.get(l) ?? 0) + 1);
  const keep = new Set([...counts].filter(([, n]) => n >= MIN_EXAMPLES_PER_LABEL).map(([l]) => l));
  const usable = examples
    .map((e) => ({ ...e, labels: e.labels.filter((l) => keep.has(l)) }))
    .filter((e) => e.labels.length > 0 && e.text.trim() !== '');
  if (keep.size < 2) {
    throw new NotEnoughExamplesError(
      `Training needs at least 2 labels with ${MIN_EXAMPLES_PER_LABEL} examples each; found ${keep.size}`,
    );
  }
  const items = usable.map((e) => ({ id: e.id, labels: e.labels, tokens: features(e.text) }));

  const byFirst = new Map<string, typeof items>();
  for (const item of items) {
    const group = byFirst.get(item.labels[0]) ?? [];
    group.push(item);
    byFirst.set(item.labels[0], group);
  }
  const train: typeof items = [];
  const test: typeof items = [];
  for (const group of byFirst.values()) {
    group.sort((a, b) => hash(a.id) - hash(b.id) || a.id.localeCompare(b.id));
    const held = group.length >= 2 ? Math.max(1, Math.floor(group.length * HELD_OUT_SHARE)) : 0;
    test.push(...group.slice(0, held));
    train.push(...group.slice(held));
  }

  let accuracy: number | null = null;
  const trainLabels = new Set(train.flatMap((i) => i.labels));
  if (test.length && trainLabels.size >= 2 && vocabularyOk(train)) {
    const probe = learnAll(train, trainLabels);
    const hits = test.filter((item) => item.labels.includes(probe.predict(item.tokens)));
    accuracy = Math.round((hits.length / test.length) * 10_000) / 10_000;
  }
  if (!vocabularyOk(items)) {
    throw new NotEnoughExamplesError('The examples have too few distinct words to learn from');
  }
  const model = learnAll(items, keep);
  return {
    model: model.exportJSON(),
    labels: [...keep].sort().map((label) => ({ label, examples: counts.get(label) ?? 0 })),
    examples: items.length,
    accuracy,
    heldOut: accuracy === null ? 0 : test.length,
  };
}

/** wink refuses a vocabulary under 10 distinct features. */
function vocabularyOk(items: Array<{ tokens: string[] }>): boolean {
  const words = new Set<string>();
  for (const item of items) for (const t of item.tokens) if (words.add(t).size >= 10) return true;
  return false;
}

type Model = ReturnType<typeof NaiveBayes>;

/** Imported models by key (tenant and version): importing a large model costs milliseconds. */
const cache = new Map<string, Model>();
const CACHE_SIZE = 32;

function load(key: string, json: string): Model {
  let model = cache.get(key);
  if (model) {
    cache.delete(key);
  } else {
    model = NaiveBayes();
    model.importJSON(json);
    model.consolidate();
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
  }
  cache.set(key, model);
  return model;
}

/**
 * The most likely label with a confidence: wink gives log2 odds of each label against the rest;
 * each becomes a probability (logistic), normalised over the labels.
 */
export function classify(key: string, json: string, text: string): Prediction {
  const odds = load(key, json).computeOdds(features(text));
  // No word of the text is in the model's vocabulary: wink answers a lone "unknown".
  if (odds.length === 1 && odds[0][1] === 0)
    return { label: UNKNOWN, confidence: 0, alternatives: [] };
  const probabilities = odds.map(([label, o]) => [label, 1 / (1 + 2 ** -o)] as const);
  const total = probabilities.reduce((sum, [, p]) => sum + p, 0) || 1;
  const ranked = probabilities.map(([label, p]) => ({
    label,
    confidence: Math.round((p / total) * 10_000) / 10_000,
  }));
  const [best, ...rest] = ranked;
  return { ...best, alternatives: rest.slice(0, ALTERNATIVES) };
}

import { analyze, findEntities, keywordsOf, summarizeText } from './analysis/analyzer';
import {
  NotEnoughExamplesError,
  type TrainedClassifier,
  type TrainingExample,
  classify,
  trainClassifier,
} from './analysis/classifier';

/**
 * Worker-thread entries of text analysis: every one is CPU-bound and runs off the event loop.
 * Each thread loads the English model, the entity lexicon and the language profiles once.
 */
export const analyzeText = (input: { text: string }) => analyze(input.text);

export const extractEntities = (input: { text: string }) => findEntities(input.text);

export const summarizeSentences = (input: { text: string; sentences: number }) =>
  summarizeText(input.text, input.sentences);

export const extractKeywords = (input: { text: string; limit: number }) =>
  keywordsOf(input.text, input.limit);

/** A training set that cannot make a model is an answer, not a crash: errors lose their class. */
export function train(input: {
  examples: TrainingExample[];
}): TrainedClassifier | { refused: string } {
  try {
    return trainClassifier(input.examples);
  } catch (error) {
    if (error instanceof NotEnoughExamplesError) return { refused: error.message };
    throw error;
  }
}

/** `key` names the model (tenant and version) so a thread imports each model once. */
export const classifyText = (input: { key: string; model: string; text: string }) =>
  classify(input.key, input.model, input.text);

import { defineWorkerTask } from '@app/workers';
import type { Analysis, EntitiesResult, SummaryResult } from './analysis/analyzer';
import type { Prediction, TrainedClassifier, TrainingExample } from './analysis/classifier';
import type { Keyword } from './analysis/keywords';

const task = <I, O>(name: string) => defineWorkerTask<I, O>(__dirname, 'ml.worker', name);

/** The worker entries of ml.worker.ts, typed. */
export const ML_TASKS = {
  analyze: task<{ text: string }, Analysis>('analyzeText'),
  entities: task<{ text: string }, EntitiesResult>('extractEntities'),
  summarize: task<{ text: string; sentences: number }, SummaryResult>('summarizeSentences'),
  keywords: task<{ text: string; limit: number }, { language: string; keywords: Keyword[] }>(
    'extractKeywords',
  ),
  train: task<{ examples: TrainingExample[] }, TrainedClassifier | { refused: string }>('train'),
  classify: task<{ key: string; model: string; text: string }, Prediction>('classifyText'),
};

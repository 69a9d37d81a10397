import type { VectorHit } from '@app/common';

/** The constant of reciprocal rank fusion (Cormack et al. 2009): damps the top ranks' weight. */
export const RRF_K = 60;

/**
 * Reciprocal rank fusion of ranked id lists (best first): each id scores the sum of
 * 1 / (k + rank) over the lists holding it (rank from 1). Best first, ties by id.
 */
export function reciprocalRankFusion(lists: string[][], k = RRF_K): VectorHit[] {
  const scores = new Map<string, number>();
  for (const list of lists) {
    list.forEach((id, index) => scores.set(id, (scores.get(id) ?? 0) + 1 / (k + index + 1)));
  }
  return [...scores]
    .map(([id, score]) => ({ id, score }))
    .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

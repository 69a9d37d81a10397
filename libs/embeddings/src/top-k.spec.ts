import { TopK } from './top-k';

describe('TopK', () => {
  it('keeps the k best of many, best first, ties by id', () => {
    const best = new TopK(3);
    const scores = [0.1, 0.9, 0.5, 0.9, 0.3, 0.7, -1];
    scores.forEach((score, i) => best.offer({ id: `b${i}`, score }));
    expect(best.sorted()).toEqual([
      { id: 'b1', score: 0.9 },
      { id: 'b3', score: 0.9 },
      { id: 'b5', score: 0.7 },
    ]);
  });
});

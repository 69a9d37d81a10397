import { classify, trainClassifier } from './classifier';
import { wordnetNounGlosses } from './wordnet-corpus';

describe('naive Bayes classifier on WordNet noun glosses', () => {
  const corpus = wordnetNounGlosses(200);
  const trained = trainClassifier(corpus);

  it('learns eight topics and scores itself on a held-out fifth', () => {
    expect(trained.labels.map((l) => l.label)).toEqual([
      'animal',
      'artifact',
      'body',
      'food',
      'location',
      'person',
      'plant',
      'substance',
    ]);
    expect(trained.examples).toBe(1600);
    expect(trained.heldOut).toBe(320);
    // Measured 0.7125 (chance is 0.125); the floor sits a little under it.
    expect(trained.accuracy).toBeGreaterThanOrEqual(0.65);
  });

  it('labels new definitions with a confidence and alternatives', () => {
    const prediction = classify('wordnet:1', trained.model, 'a small furry mammal with long ears');
    expect(prediction.label).toBe('animal');
    expect(prediction.confidence).toBeGreaterThan(0);
    expect(prediction.alternatives.length).toBeGreaterThan(0);
    expect(classify('wordnet:1', trained.model, 'zzzz qqqq')).toEqual({
      label: 'unknown',
      confidence: 0,
      alternatives: [],
    });
  });

  it('refuses a set with fewer than two learnable labels', () => {
    expect(() => trainClassifier([{ id: '1', text: 'a cat', labels: ['animal'] }])).toThrow(
      /at least 2 labels/,
    );
  });
});

import { analyze, findEntities, summarizeText } from './analyzer';
import { syllables } from './readability';

const FIXTURE =
  'On March 3, 2024 at 10:30 am, Alice Johnson of Acme Corporation paid $1,200 (15% off) to ' +
  'bob@example.com. See https://example.com/pay for details. She flew from Paris to Berlin.';

describe('text analysis', () => {
  it('finds model and heuristic entities with exact offsets', async () => {
    const { entities, language, unsupported } = await findEntities(FIXTURE);
    expect(language).toBe('en');
    expect(unsupported).toEqual([]);
    const types = new Map(entities.map((e) => [e.text, [e.type, e.method]]));
    expect(types.get('March 3, 2024')).toEqual(['DATE', 'model']);
    expect(types.get('10:30 am')).toEqual(['TIME', 'model']);
    expect(types.get('$1,200')).toEqual(['MONEY', 'model']);
    expect(types.get('15%')).toEqual(['PERCENT', 'model']);
    expect(types.get('bob@example.com')).toEqual(['EMAIL', 'model']);
    expect(types.get('https://example.com/pay')).toEqual(['URL', 'model']);
    expect(types.get('Alice Johnson')).toEqual(['PERSON', 'heuristic']);
    expect(types.get('Acme Corporation')).toEqual(['ORGANIZATION', 'heuristic']);
    expect(types.get('Paris')).toEqual(['PLACE', 'heuristic']);
    for (const e of entities) expect(FIXTURE.slice(e.start, e.end)).toBe(e.text);
  });

  it('scores readability, sentiment and keywords of English', async () => {
    const easy = await analyze('The cat sat on the mat. It was a good day. We love cats.');
    const hard = await analyze(
      'Institutional considerations notwithstanding, the interdisciplinary committee recommended comprehensive reorganisation of administrative responsibilities.',
    );
    expect(easy).toMatchObject({ language: 'en', sentences: 3, words: 14, unsupported: [] });
    expect(easy.sentiment?.label).toBe('positive');
    expect(easy.readability!.fleschReadingEase).toBeGreaterThan(90);
    expect(hard.readability!.fleschReadingEase).toBeLessThan(10);
    expect(easy.keywords[0].term).toBe('cat');
  });

  it('names what it cannot answer for a language other than English', async () => {
    const result = await analyze(
      'Le chat est assis sur le tapis. Nous aimons beaucoup les chats et les chiens de la maison.',
    );
    expect(result).toMatchObject({
      language: 'fr',
      sentences: 2,
      readability: null,
      sentiment: null,
      keywords: [],
      unsupported: ['readability', 'sentiment', 'keywords'],
    });
  });

  it('summarises with the most central sentences, in their order', async () => {
    const text = [
      'Solar panels turn sunlight into electricity.',
      'My neighbour has a red bicycle.',
      'Solar electricity from panels is cheaper every year.',
      'Panels on roofs make solar electricity at home.',
      'The weather was cold on Tuesday.',
    ].join(' ');
    const result = await summarizeText(text, 2);
    expect(result.method).toBe('extractive');
    const chosen = result.sentences.map((s) => s.index);
    expect(chosen).toHaveLength(2);
    expect(chosen).toEqual([...chosen].sort());
    for (const index of chosen) expect([0, 2, 3]).toContain(index);
    expect(result.summary).toBe(result.sentences.map((s) => s.text).join(' '));
    expect(result.sentences[0].score).toBeLessThanOrEqual(1);
  });

  it('counts syllables the way Flesch scores expect', () => {
    expect(['cat', 'table', 'reading', 'education', 'jumped', 'wanted'].map(syllables)).toEqual([
      1, 2, 2, 4, 1, 2,
    ]);
  });
});

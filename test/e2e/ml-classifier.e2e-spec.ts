import {
  createApiKey,
  createUserInTenant,
  registerUser,
  type RegisteredUser,
} from '../support/auth-fixtures';
import { BLOCKS_TEST_ENV, createBlock } from '../support/block-fixtures';
import { startTestApp, type TestApp } from '../support/test-app';

/** Blocks of two topics, typed and tagged by topic, for a classifier to learn. */
const TOPICS: Record<string, { type: 'text' | 'markdown'; sentences: string[] }> = {
  cooking: {
    type: 'text',
    sentences: [
      'Simmer the tomato sauce with garlic and basil for twenty minutes.',
      'Bake the bread dough in a hot oven until the crust is golden.',
      'Whisk eggs, flour and milk into a smooth pancake batter.',
      'Roast the chicken with lemon, thyme and olive oil.',
      'Chop onions and carrots, then fry them in butter for the soup.',
      'Season the pasta water with salt before boiling the spaghetti.',
    ],
  },
  networking: {
    type: 'markdown',
    sentences: [
      'Configure the router firewall to block inbound traffic on port 23.',
      'The TCP handshake opens a connection between client and server.',
      'Assign each host a static IP address on the office subnet.',
      'DNS resolves the domain name of the server to its address.',
      'The switch forwards packets between ports by their MAC address.',
      'Encrypt the VPN tunnel between the two office networks.',
    ],
  },
};

describe('ml: per-tenant classifier', () => {
  let t: TestApp;
  let a: RegisteredUser;
  let b: RegisteredUser;

  beforeAll(async () => {
    t = await startTestApp({ env: BLOCKS_TEST_ENV });
    [a, b] = [await registerUser(t.http), await registerUser(t.http)];
    for (const [topic, { type, sentences }] of Object.entries(TOPICS)) {
      for (const [i, sentence] of sentences.entries()) {
        await createBlock(t.http, a.accessToken, {
          title: `${topic} ${i}`,
          content: sentence,
          type,
          tags: [topic],
        });
      }
    }
  });
  afterAll(async () => {
    await t.close();
  });

  const post = (path: string, body: unknown, token = a.accessToken) =>
    t.http.post(`/api/ml/${path}`, body, { token });

  it('answers 409 MODEL_NOT_TRAINED before the tenant trains', async () => {
    const res = await post('classify', { text: 'Fry the onions in butter.' });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: 'CONFLICT', reason: 'MODEL_NOT_TRAINED' });
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it('lets only an admin train, and only an API key with write', async () => {
    const member = await createUserInTenant(t.http, a.accessToken, 'user');
    expect((await post('classifier/train', { labelFrom: 'tags' }, member.accessToken)).status).toBe(
      403,
    );
    const readOnly = await createApiKey(t.http, a.accessToken, { scopes: ['read'] });
    const refused = await t.http.post(
      '/api/ml/classifier/train',
      { labelFrom: 'tags' },
      { apiKey: readOnly.key },
    );
    expect(refused.status).toBe(403);
    expect((await post('classifier/train', { labelFrom: 'colour' })).status).toBe(400);
  });

  it('refuses a tenant whose blocks make no training set with 422', async () => {
    await createBlock(t.http, b.accessToken, {
      title: 'alone',
      content: 'one block only',
      tags: ['x'],
    });
    const res = await post('classifier/train', { labelFrom: 'tags' }, b.accessToken);
    expect(res.status).toBe(422);
    expect(res.body.reason).toBe('NOT_ENOUGH_EXAMPLES');
  });

  it('trains on the tenant’s blocks by tags, stores a version and measures held-out accuracy', async () => {
    const res = await post('classifier/train', { labelFrom: 'tags' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      modelVersion: 1,
      labelFrom: 'tags',
      labels: [
        { label: 'cooking', examples: 6 },
        { label: 'networking', examples: 6 },
      ],
      examples: 12,
      heldOut: 2,
    });
    expect(res.body.accuracy).toBeGreaterThanOrEqual(0);
    expect(res.body.accuracy).toBeLessThanOrEqual(1);
    expect(Date.parse(res.body.trainedAt)).not.toBeNaN();

    const classified = await post('classify', {
      text: 'Boil the potatoes and mash them with butter and salt.',
    });
    expect(classified.status).toBe(200);
    expect(classified.body).toMatchObject({ label: 'cooking', modelVersion: 1 });
    expect(classified.body.confidence).toBeGreaterThan(0.5);
    expect(classified.body.alternatives).toEqual([
      { label: 'networking', confidence: expect.any(Number) },
    ]);
    const network = await post('classify', {
      text: 'The server lost its IP address after the router restarted.',
    });
    expect(network.body.label).toBe('networking');
  });

  it('keeps each tenant’s model its own', async () => {
    const foreign = await post('classify', { text: 'Bake the bread.' }, b.accessToken);
    expect(foreign.status).toBe(409);
    const status = await t.http.get('/api/ml/status', { token: b.accessToken });
    expect(status.body.classifier).toMatchObject({ trained: false, version: null });
    const own = await t.http.get('/api/ml/status', { token: a.accessToken });
    expect(own.body.classifier).toMatchObject({
      trained: true,
      version: 1,
      labelFrom: 'tags',
      examples: 12,
    });
  });

  it('suggests tags from the classifier first, then keywords, skipping the block’s own', async () => {
    const text = 'Knead the bread dough, let it rise, then bake the bread in the oven.';
    const res = await post('suggest-tags', { text });
    expect(res.status).toBe(200);
    expect(res.body.tags[0]).toMatchObject({ tag: 'cooking', source: 'classifier' });
    expect(res.body.tags.some((tag: { source: string }) => tag.source === 'keywords')).toBe(true);
    const block = await createBlock(t.http, a.accessToken, {
      title: 'Bread',
      content: text,
      tags: ['cooking'],
    });
    const forBlock = await post('suggest-tags', { blockId: block.id });
    expect(forBlock.body.tags.map((tag: { tag: string }) => tag.tag)).not.toContain('cooking');
  });

  it('retrains by type as the next version; classify uses the newest', async () => {
    const res = await post('classifier/train', { labelFrom: 'type' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ modelVersion: 2, labelFrom: 'type' });
    const classified = await post('classify', {
      text: 'Open port 443 on the firewall for the server.',
    });
    expect(classified.body).toMatchObject({ label: 'markdown', modelVersion: 2 });
    const { rows } = await t.db.query(
      `SELECT action, changes FROM audit_log WHERE tenant_id = $1 AND action = 'ml.train' AND changes IS NOT NULL`,
      [a.user.tenantId],
    );
    expect(rows.map((r) => r.changes.after.version).sort()).toEqual([1, 2]);
  });
});

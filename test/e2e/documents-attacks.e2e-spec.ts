import { registerUser, type RegisteredUser } from '../support/auth-fixtures';
import { BLOCKS_TEST_ENV, createBlock } from '../support/block-fixtures';
import { startTestApp, type TestApp } from '../support/test-app';

// A whole corpus of hostile templates, each run to its limits, in one test: longer than the
// shared 60 s on a loaded machine.

/**
 * User-written Liquid is hostile input: each of these is refused (or rendered harmless) within
 * its limits, and the process keeps serving others while and after it runs.
 */
describe('documents: template attack corpus', () => {
  let t: TestApp;
  let alice: RegisteredUser;
  const as = () => ({ token: alice.accessToken });

  beforeAll(async () => {
    t = await startTestApp({ env: { ...BLOCKS_TEST_ENV, WORKERS_TASK_TIMEOUT_MS: '3000' } });
    alice = await registerUser(t.http);
  });
  afterAll(async () => {
    await t.close();
  });

  const assembleText = async (markdown: string) => {
    const doc = await t.http.post(
      '/api/documents',
      { title: 'Attack', variables: { x: { a: 1 } }, nodes: [{ kind: 'text', markdown }] },
      as(),
    );
    expect(doc.status).toBe(201);
    const started = Date.now();
    const res = await t.http.post(`/api/documents/${doc.body.id}/assemble`, { dryRun: true }, as());
    return { res, ms: Date.now() - started };
  };

  it.each([
    [
      'constructor access',
      '{{ x.constructor }}|{{ x.constructor.name }}|{{ "s".constructor }}|{{ x.__proto__ }}',
    ],
    [
      'prototype access',
      '{% assign p = x["__proto__"] %}{{ p.constructor }}{{ x.hasOwnProperty }}{{ x.toString }}',
    ],
  ])('renders %s as nothing', async (_name, source) => {
    const { res } = await assembleText(source);
    expect(res.status).toBe(200);
    expect(res.body.markdown).not.toMatch(/function|Object|\[native code\]/);
  });

  it.each([
    ['{% include "/etc/passwd" %}'],
    ['{% render "/etc/passwd" %}'],
    ['{% layout "/etc/passwd" %}x'],
    ['{% include "../../../../etc/hostname" %}'],
  ])('never reads a file: %s', async (source) => {
    const { res } = await assembleText(source);
    expect(res.status).toBe(422);
    expect(res.body.reason).toMatch(/^TEMPLATE_/);
    expect(res.text).not.toMatch(/root:|\/bin\/|ENOENT/);
  });

  it.each([
    [
      'an infinite-ish loop',
      '{% for i in (1..1000000000) %}{% for j in (1..1000000000) %}x{% endfor %}{% endfor %}',
    ],
    ['a busy loop', '{% for i in (1..100000) %}{% for j in (1..100000) %}{% endfor %}{% endfor %}'],
    ['a huge range', '{% assign r = (1..2000000000) %}{{ r | join: "," }}'],
    [
      'exponential concat',
      '{% assign s = "xx" %}{% for i in (1..64) %}{% assign s = s | append: s %}{% endfor %}{{ s | size }}',
    ],
    [
      'huge padding',
      '{% capture p %}{% for i in (1..100000000) %}          {% endfor %}{% endcapture %}{{ p | size }}',
    ],
  ])('stops %s within its limits while others are served', async (_name, source) => {
    const pending = assembleText(source);
    // The event loop is free meanwhile: another request answers at once.
    const probeStarted = Date.now();
    const probe = await t.http.get('/health/live');
    expect(probe.status).toBe(200);
    expect(Date.now() - probeStarted).toBeLessThan(1000);
    const { res, ms } = await pending;
    expect(res.status).toBe(422);
    expect(res.body.reason).toBe('TEMPLATE_LIMIT_EXCEEDED');
    expect(ms).toBeLessThan(8000);
    const after = await assembleText('still {{ "fine" | upcase }}');
    expect(after.res.status).toBe(200);
    expect(after.res.body.markdown).toBe('still FINE\n');
  });

  it('caps the assembled size, naming the limit', async () => {
    const big = await createBlock(t.http, alice.accessToken, {
      type: 'html',
      content: 'p'.repeat(1_000_000),
    });
    const doc = await t.http.post(
      '/api/documents',
      {
        title: 'Huge',
        nodes: Array.from({ length: 6 }, () => ({ kind: 'block', blockId: big.id, pin: 'latest' })),
      },
      as(),
    );
    const res = await t.http.post(`/api/documents/${doc.body.id}/assemble`, {}, as());
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ reason: 'ASSEMBLY_TOO_LARGE', limit: 'maxAssembledBytes' });
  });
});

import { startTestApp, type TestApp } from '../support/test-app';

const ipOf = async (t: TestApp, requestId: string, headers: Record<string, string> = {}) => {
  await t.http.get('/health/live', { headers: { 'x-request-id': requestId, ...headers } });
  await new Promise((r) => setTimeout(r, 30));
  return t.logs.find((l) => l.requestId === requestId && l.msg === 'request')?.ip;
};

describe('client IP and TRUST_PROXY', () => {
  it('ignores X-Forwarded-For by default, so a forged header cannot change the client IP', async () => {
    const t = await startTestApp();
    try {
      expect(await ipOf(t, 'no-proxy', { 'x-forwarded-for': '203.0.113.9' })).toBe('127.0.0.1');
    } finally {
      await t.close();
    }
  });

  it('honours X-Forwarded-For from a trusted proxy address', async () => {
    const t = await startTestApp({ env: { TRUST_PROXY: '127.0.0.1' } });
    try {
      expect(await ipOf(t, 'trusted-proxy', { 'x-forwarded-for': '203.0.113.9' })).toBe(
        '203.0.113.9',
      );
    } finally {
      await t.close();
    }
  });
});

import { ShutdownState } from '@app/health';
import { startTestApp, type TestApp } from '../support/test-app';

describe('readiness during shutdown', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('turns /health/ready to 503 as soon as shutdown begins, while /health/live stays 200', async () => {
    expect((await t.http.get('/health/ready')).status).toBe(200);
    t.app.get(ShutdownState).begin();
    const ready = await t.http.get('/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.body.error.shutdown.status).toBe('down');
    expect((await t.http.get('/health/live')).status).toBe(200);
  });
});

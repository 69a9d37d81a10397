import { registerUser } from '../support/auth-fixtures';
import { ApiProcess, migrate } from './support/api-process';
import { PostgresCluster } from './support/postgres-cluster';
import { RedisServer } from './support/redis-server';

const LIMIT = 20;

/**
 * Two API processes on one database and one Redis: a logout on one replica is honoured by the
 * other within a second, a flood spread over both lets no more than the shared limit through,
 * and with Redis gone each replica falls back to its own in-memory counters (the direction
 * libs/auth/src/rate-limit.storage.ts documents): limits stay enforced per replica, never a 500.
 */
describe('two replicas, one database, one Redis', () => {
  let pg: PostgresCluster;
  let redis: RedisServer;
  let a: ApiProcess;
  let b: ApiProcess;

  beforeAll(async () => {
    pg = await PostgresCluster.create({ fsync: 'off' });
    const url = await pg.createDatabase('cb_resilience_replicas');
    migrate(url);
    redis = await RedisServer.start();
    const env = {
      REDIS_URL: redis.url,
      RATE_LIMIT_PER_MINUTE: String(LIMIT),
      RATE_LIMIT_AUTH_PER_MINUTE: '1000000',
    };
    [a, b] = await Promise.all([ApiProcess.start(url, env), ApiProcess.start(url, env)]);
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await redis?.destroy();
    await pg?.destroy();
  });

  it('honours a logout on one replica on the other within a second', async () => {
    const user = await registerUser(a.http);
    // Replica B has seen (and may cache) the session before it ends.
    expect((await b.http.get('/api/auth/me', { token: user.accessToken })).status).toBe(200);
    expect(
      (await a.http.post('/api/auth/logout', undefined, { token: user.accessToken })).status,
    ).toBe(204);
    const loggedOutAt = Date.now();
    await b.waitFor(
      async () => (await b.http.get('/api/auth/me', { token: user.accessToken })).status === 401,
      1000,
      20,
    );
    expect(Date.now() - loggedOutAt).toBeLessThan(1000);
  });

  it('lets no more than the shared limit through a flood spread over both replicas', async () => {
    const user = await registerUser(a.http);
    const responses = await Promise.all(
      Array.from({ length: LIMIT * 3 }, (_, i) =>
        (i % 2 ? a : b).http.get('/api/blocks', { token: user.accessToken }),
      ),
    );
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s !== 200 && s !== 429)).toEqual([]);
    expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(LIMIT);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(LIMIT * 2);
    const limited = responses.find((r) => r.status === 429)!;
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
  });

  it('falls back to per-replica limits without 500s when Redis dies', async () => {
    await redis.kill();
    const user = await registerUser(a.http);
    const started = Date.now();
    const responses = await Promise.all(
      Array.from({ length: LIMIT * 3 }, (_, i) =>
        (i % 2 ? a : b).http.get('/api/blocks', { token: user.accessToken }),
      ),
    );
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s !== 200 && s !== 429)).toEqual([]);
    // Each replica counts on its own now: at most the limit per replica.
    expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(LIMIT * 2);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect((await a.http.get('/health/ready')).status).toBe(200);
  });
});

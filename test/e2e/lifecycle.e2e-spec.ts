import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort } from '@app/database';
import { postgresPidsFor, spawnApi, waitFor, type SpawnedApi } from '../support/spawn-api';

// Each test spawns the built API as a child process that starts and stops its own embedded
// PostgreSQL cluster (initdb on the first): longer than the shared 60 s on a loaded machine.

/** The built API as a user runs it: `npm start` with nothing but Node, on the embedded PostgreSQL. */
describe('process lifecycle on the embedded PostgreSQL', () => {
  let dataDir: string;
  let port: number;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'cb-lifecycle-'));
    chmodSync(dataDir, 0o755);
    port = await freePort();
  });
  afterAll(() => {
    for (const pid of postgresPidsFor(dataDir)) process.kill(pid, 'SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  const env = () => ({
    DATA_DIR: dataDir,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
  });
  const started = async (api: SpawnedApi) => {
    await waitFor(
      () => api.stderr.join('').includes('Swagger UI:') || api.child.exitCode !== null,
      60_000,
      'the API to start',
    );
    expect(api.child.exitCode).toBeNull();
  };
  const embeddedPort = (api: SpawnedApi): number => {
    const line = api.stdout
      .map((l) => JSON.parse(l))
      .find((l) => l.msg === 'embedded PostgreSQL is running');
    return line.port as number;
  };
  const sql = async (pgPort: number, query: string) => {
    const client = new Client({
      host: '127.0.0.1',
      port: pgPort,
      user: 'postgres',
      password: readFileSync(join(dataDir, 'pg-password'), 'utf8').trim(),
      database: 'content_blocks',
    });
    await client.connect();
    try {
      return await client.query(query);
    } finally {
      await client.end();
    }
  };

  it('starts, prints the Swagger UI URL, serves, and exits 0 on SIGTERM leaving no PostgreSQL behind', async () => {
    const api = spawnApi(env());
    await started(api);
    expect(api.stderr.join('')).toContain(`Swagger UI:         http://127.0.0.1:${port}/docs`);
    const ready = await fetch(`http://127.0.0.1:${port}/health/ready`);
    expect(ready.status).toBe(200);
    await sql(embeddedPort(api), 'CREATE TABLE lifecycle_marker (id int)');
    expect(postgresPidsFor(dataDir).length).toBeGreaterThan(0);

    api.child.kill('SIGTERM');
    expect(await api.exited).toBe(0);
    expect(postgresPidsFor(dataDir)).toEqual([]);
  });

  it('reuses the cluster on the next start, and exits 0 on SIGINT (Ctrl-C)', async () => {
    const api = spawnApi(env());
    await started(api);
    const { rowCount } = await sql(
      embeddedPort(api),
      "SELECT 1 FROM pg_tables WHERE tablename = 'lifecycle_marker'",
    );
    expect(rowCount).toBe(1);
    api.child.kill('SIGINT');
    expect(await api.exited).toBe(0);
    expect(postgresPidsFor(dataDir)).toEqual([]);
  });

  it('recovers from a killed run that left its PostgreSQL and postmaster.pid behind', async () => {
    const crashed = spawnApi(env());
    await started(crashed);
    crashed.child.kill('SIGKILL');
    await crashed.exited;
    expect(postgresPidsFor(dataDir).length).toBeGreaterThan(0); // the orphan

    const api = spawnApi(env());
    await started(api);
    expect((await fetch(`http://127.0.0.1:${port}/health/ready`)).status).toBe(200);
    api.child.kill('SIGTERM');
    expect(await api.exited).toBe(0);
    expect(postgresPidsFor(dataDir)).toEqual([]);
  });
});

describe('configuration errors stop the process with a message naming the variable', () => {
  it('names a malformed variable', async () => {
    const api = spawnApi({ PORT: 'eighty', LOG_LEVEL: 'loud', DATA_DIR: '/nonexistent/never' });
    expect(await api.exited).toBe(1);
    const err = api.stderr.join('');
    expect(err).toContain('PORT');
    expect(err).toContain('LOG_LEVEL');
  });

  it('refuses production without JWT_SECRET and DATABASE_URL', async () => {
    const api = spawnApi({ NODE_ENV: 'production' });
    expect(await api.exited).toBe(1);
    const err = api.stderr.join('');
    expect(err).toContain('JWT_SECRET is required when NODE_ENV=production');
    expect(err).toContain('DATABASE_URL is required when NODE_ENV=production');
  });

  it('refuses a JWT_SECRET shorter than 32 bytes', async () => {
    const api = spawnApi({
      NODE_ENV: 'production',
      JWT_SECRET: 'short',
      DATABASE_URL: 'postgres://u:p@127.0.0.1:1/db_test',
    });
    expect(await api.exited).toBe(1);
    expect(api.stderr.join('')).toContain('JWT_SECRET must be at least 32 bytes');
  });
});

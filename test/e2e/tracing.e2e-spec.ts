import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@app/database';
import { registerUser } from '../support/auth-fixtures';
import { HttpClient } from '../support/http-client';
import { SPAN_KIND, type OtlpReceiver, startOtlpReceiver } from '../support/otlp-receiver';
import { type SpawnedApi, spawnApi, waitFor } from '../support/spawn-api';
import { TEST_JWT_SECRET } from '../support/test-app';
import { createTestDatabase } from '../support/test-database';

// Preloaded into the spawned API: at exit it lists every module file the process required.
const PROBE = `process.on('exit', () => require('node:fs').writeFileSync(
  process.env.CB_MODULES_FILE, JSON.stringify(Object.keys(require.cache))));`;

/** The built API as a separate process, with tracing on or off, on this file's database. */
describe('tracing (OpenTelemetry over OTLP/HTTP protobuf)', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let dir: string;
  let receiver: OtlpReceiver;

  beforeAll(async () => {
    database = await createTestDatabase();
    dir = mkdtempSync(join(tmpdir(), 'cb-tracing-'));
    writeFileSync(join(dir, 'probe.js'), PROBE);
    receiver = await startOtlpReceiver();
  });
  afterAll(async () => {
    await receiver.close();
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Starts the API, runs `work` against it, stops it (SIGTERM) and returns its modules and logs. */
  const run = async (
    name: string,
    env: Record<string, string>,
    work: (http: HttpClient) => Promise<void>,
  ) => {
    const port = await freePort();
    const modulesFile = join(dir, `${name}-modules.json`);
    const api: SpawnedApi = spawnApi({
      NODE_ENV: 'test',
      DATABASE_URL: database.url,
      DATA_DIR: dir,
      JWT_SECRET: TEST_JWT_SECRET,
      PORT: String(port),
      HOST: '127.0.0.1',
      NODE_OPTIONS: `--require ${join(dir, 'probe.js')}`,
      CB_MODULES_FILE: modulesFile,
      ...env,
    });
    await waitFor(
      () => api.stderr.join('').includes('Swagger UI:') || api.child.exitCode !== null,
      60_000,
      'the API to start',
    );
    expect(api.child.exitCode).toBeNull();
    await work(new HttpClient(`http://127.0.0.1:${port}`));
    api.child.kill('SIGTERM');
    expect(await api.exited).toBe(0);
    const modules = JSON.parse(readFileSync(modulesFile, 'utf8')) as string[];
    const logs = api.stdout.map((line) => JSON.parse(line) as Record<string, unknown>);
    return { modules, logs };
  };

  const otelModules = (modules: string[]) =>
    modules.filter((m) => /\/node_modules\/(@opentelemetry|@fastify\/otel)\//.test(m));

  it('exports a server span with a database span under it, and names its trace in the answer and the log', async () => {
    let traceId = '';
    const { modules, logs } = await run(
      'on',
      {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_SERVICE_NAME: 'content-blocks-e2e',
        // Export within 100 ms instead of 5 s.
        OTEL_BSP_SCHEDULE_DELAY: '100',
      },
      async (http) => {
        const alice = await registerUser(http);
        const missing = await http.get(`/api/blocks/${randomUUID()}`, {
          token: alice.accessToken,
        });
        expect(missing.status).toBe(404);
        expect(missing.body.traceId).toMatch(/^[0-9a-f]{32}$/);
        traceId = missing.body.traceId as string;
        await waitFor(
          () => receiver.spans.some((s) => s.traceId === traceId && s.kind === SPAN_KIND.SERVER),
          10_000,
          'the server span to be exported',
        );
      },
    );
    expect(receiver.rejected).toBe(0);

    const spans = receiver.spans.filter((s) => s.traceId === traceId);
    const server = spans.find((s) => s.kind === SPAN_KIND.SERVER && !s.parentSpanId);
    expect(server).toBeDefined();
    expect(server!.resource['service.name']).toBe('content-blocks-e2e');
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    const under = (span: (typeof spans)[number]): boolean => {
      for (let p = byId.get(span.parentSpanId); p; p = byId.get(p.parentSpanId))
        if (p === server) return true;
      return false;
    };
    const queries = spans.filter(
      (s) => s.kind === SPAN_KIND.CLIENT && s.attributes['db.system.name'] === 'postgresql',
    );
    expect(queries.length).toBeGreaterThan(0);
    expect(queries.every(under)).toBe(true);
    expect(queries.filter((s) => s.name.includes('connect'))).toEqual([]);
    // The block read itself (a named prepared statement), under the controller's handler span.
    const read = queries.find((s) => s.attributes['db.postgresql.plan'] === 'blocks_get_by_id');
    expect(read).toBeDefined();
    expect(byId.get(read!.parentSpanId)).toMatchObject({ scope: '@fastify/otel' });
    expect(server!.attributes['http.route']).toBe('/api/blocks/:id');
    expect(spans.some((s) => s.scope === '@fastify/otel' && under(s))).toBe(true);

    const line = logs.find((l) => l.msg === 'request' && l.traceId === traceId);
    expect(line).toMatchObject({ status: 404 });
    expect(otelModules(modules).some((m) => m.includes('/@opentelemetry/sdk-node/'))).toBe(true);
  });

  it('loads none of OpenTelemetry without an endpoint, and answers without a trace id', async () => {
    const { modules, logs } = await run('off', {}, async (http) => {
      const alice = await registerUser(http);
      const missing = await http.get(`/api/blocks/${randomUUID()}`, {
        token: alice.accessToken,
      });
      expect(missing.status).toBe(404);
      expect(missing.body.traceId).toBeUndefined();
      // Optional in the documented problem, so clients accept answers with and without it.
      const doc = await http.get('/docs-json');
      const problem = doc.body.components.schemas.ProblemDto;
      expect(problem.properties.traceId).toMatchObject({ type: 'string' });
      expect(problem.required).not.toContain('traceId');
    });
    expect(logs.filter((l) => 'traceId' in l)).toEqual([]);
    // prom-client requires @opentelemetry/api itself (exemplars); without an SDK it is a no-op.
    expect(otelModules(modules).filter((m) => !m.includes('/@opentelemetry/api/'))).toEqual([]);
  });
});

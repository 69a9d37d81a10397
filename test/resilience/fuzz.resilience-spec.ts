import fc from 'fast-check';
import { createApiKey, registerUser, type RegisteredUser } from '../support/auth-fixtures';
import { ApiProcess, migrate } from './support/api-process';
import { hostile, valueFor, type Pools } from './support/fuzz-values';
import { type OpenApiDocument, fetchOpenApi } from './support/openapi';
import { ResponseValidator, resolveRef } from './support/openapi-schema';
import { PostgresCluster } from './support/postgres-cluster';

const RUNS = Number(process.env.FUZZ_RUNS ?? 25);
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
/** Operations that end the caller's session or account: each sample gets a throwaway user. */
const SELF_ENDING = new Set([
  'POST /api/auth/logout',
  'DELETE /api/auth/me',
  'POST /api/auth/change-password',
]);

/** Content types a JSON operation must refuse with a 415 (the NDJSON one once killed the process). */
const WRONG_TYPES = [
  'application/x-ndjson',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'text/plain',
  'application/octet-stream',
  'application/xml',
  'application/json-patch+json',
];

/** Bodies and queries wider than BODY_MAX_KEYS / BODY_MAX_ITEMS / QUERY_MAX_PARAMS allow. */
const WIDE_BODIES = [
  JSON.stringify(Object.fromEntries(Array.from({ length: 5_000 }, (_, i) => [`k${i}`, i]))),
  JSON.stringify({ title: 't', tags: Array.from({ length: 20_000 }, () => 'x') }),
  JSON.stringify({
    metadata: { a: Object.fromEntries(Array.from({ length: 2_000 }, (_, i) => [`k${i}`, 1])) },
  }),
];
const WIDE_QUERY = Array.from({ length: 1_000 }, (_, i) => `p${i}=1`).join('&');

interface FuzzRequest {
  path: string;
  headers: Record<string, string>;
  body?: string;
}

interface Failure {
  operation: string;
  request: string;
  status: number;
  problem: string;
}

/**
 * Property-based fuzzing of every operation in /docs-json: random and boundary values for every
 * parameter and body field, wrong types, missing and extra fields, huge strings, unicode and null
 * bytes. No answer is a 5xx, every error is problem+json, every 2xx body matches its schema.
 */
describe(`bad input at scale (fast-check, ${RUNS} runs per operation, seed ${SEED})`, () => {
  let pg: PostgresCluster;
  let api: ApiProcess;
  let doc: OpenApiDocument;
  let validator: ResponseValidator;
  let owner: RegisteredUser;
  let pools: Pools;

  beforeAll(async () => {
    pg = await PostgresCluster.create({ fsync: 'off', synchronous_commit: 'off' });
    const url = await pg.createDatabase('cb_resilience_fuzz');
    migrate(url);
    api = await ApiProcess.start(url, {
      RATE_LIMIT_PER_MINUTE: '1000000000',
      RATE_LIMIT_AUTH_PER_MINUTE: '1000000000',
      LOGIN_MAX_FAILURES: '1000000000',
    });
    doc = await fetchOpenApi(api.http);
    validator = new ResponseValidator(doc);
    owner = await registerUser(api.http, { tenantName: 'fuzz' });
    const block = await api.http.post(
      '/api/blocks',
      { title: 'fuzz target', content: 'one\ntwo', tags: ['a'] },
      { token: owner.accessToken },
    );
    await api.http.patch(
      `/api/blocks/${block.body.id}`,
      { content: 'one\nthree' },
      { token: owner.accessToken },
    );
    const other = await api.http.post(
      '/api/auth/users',
      {
        email: 'fuzz-other@example.com',
        username: 'fuzz_other',
        password: 'Vivid-Other-Harbor-Lantern-42',
        role: 'user',
      },
      { token: owner.accessToken },
    );
    const key = await createApiKey(api.http, owner.accessToken);
    pools = {
      ids: [block.body.id, other.body.id, key.id, '01936f0e-8c4a-7d2b-9f10-3c5e7a9b1d2f'].filter(
        Boolean,
      ),
    };
  });

  afterAll(async () => {
    await api?.stop();
    await pg?.destroy();
  });

  function requestFor(path: string, operation: Record<string, any>): fc.Arbitrary<FuzzRequest> {
    const parameters = (operation.parameters ?? []) as Array<Record<string, any>>;
    const pathParams = parameters.filter((p) => p.in === 'path');
    const queryParams = parameters.filter((p) => p.in === 'query');
    const pathArb = fc
      .tuple(...pathParams.map((p) => valueFor(doc, p.schema, pools)))
      .map((values) =>
        pathParams.reduce(
          (acc, p, i) => acc.replace(`{${p.name}}`, encodeURIComponent(text(values[i]))),
          path,
        ),
      );
    const queryArb = fc
      .tuple(
        ...queryParams.map((p) =>
          fc.option(valueFor(doc, p.schema, pools), { nil: undefined, freq: 3 }),
        ),
      )
      .map((values) => {
        const search = new URLSearchParams();
        queryParams.forEach((p, i) => {
          const value = values[i];
          if (value === undefined) return;
          if (Array.isArray(value)) for (const v of value) search.append(p.name, text(v));
          else search.append(p.name, text(value));
        });
        const query = search.toString();
        return query ? `?${query}` : '';
      });
    const content = operation.requestBody?.content as Record<string, any> | undefined;
    let bodyArb: fc.Arbitrary<{ body?: string; type?: string }> = fc.constant({});
    if (content?.['application/json']) {
      const schema = resolveRef(doc, content['application/json'].schema);
      bodyArb = fc.oneof(
        {
          weight: 8,
          arbitrary: valueFor(doc, schema, pools).map((v) => ({
            body: JSON.stringify(v) ?? 'null',
            type: 'application/json',
          })),
        },
        {
          weight: 1,
          arbitrary: fc
            .constantFrom('{"title":', '[1,2', '\u0000', '{"a":1}{"b":2}', '')
            .map((body) => ({ body, type: 'application/json' })),
        },
        { weight: 1, arbitrary: hostile.map((v) => ({ body: String(v), type: 'text/plain' })) },
        // A valid body under a content type the operation does not declare: 415, never a crash.
        {
          weight: 1,
          arbitrary: fc
            .tuple(valueFor(doc, schema, pools), fc.constantFrom(...WRONG_TYPES))
            .map(([v, type]) => ({ body: JSON.stringify(v) ?? 'null', type })),
        },
        // Width: more keys or items than the configured bounds, refused before validation.
        {
          weight: 1,
          arbitrary: fc
            .constantFrom(...WIDE_BODIES)
            .map((body) => ({ body, type: 'application/json' })),
        },
      );
    } else if (content?.['application/x-ndjson']) {
      const line = fc.oneof(
        valueFor(
          doc,
          {
            type: 'object',
            properties: {
              id: { type: 'string', format: 'uuid' },
              title: { type: 'string' },
              content: { type: 'string' },
            },
          },
          pools,
        ).map((v) => JSON.stringify(v)),
        fc.string({ unit: 'binary', maxLength: 40 }),
      );
      bodyArb = fc
        .array(line, { maxLength: 8 })
        .map((lines) => ({ body: lines.join('\n'), type: 'application/x-ndjson' }));
    }
    return fc.tuple(pathArb, queryArb, bodyArb, fc.nat(19)).map(([p, q, b, dice]) => {
      const headers: Record<string, string> = {};
      if (b.type) headers['content-type'] = b.type;
      if (dice === 0) headers['if-match'] = '"v1"';
      if (dice === 1) headers['if-none-match'] = '"v2"';
      if (dice === 2) headers['x-request-id'] = 'bad id with spaces and ünïcode';
      // Any operation, a body-less one too, may get a query string past QUERY_MAX_PARAMS.
      const query = dice === 3 ? `${q ? `${q}&` : '?'}${WIDE_QUERY}` : q;
      return { path: `${p}${query}`, headers, body: b.body };
    });
  }

  it('answers every generated request of every operation without a 5xx, with problem+json errors and schema-valid 2xx bodies', async () => {
    const failures: Failure[] = [];
    const undeclared = new Map<string, number>();
    let sent = 0;
    const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, operation]) => ({
        path,
        method,
        operation: operation as Record<string, any>,
      })),
    );
    expect(operations.length).toBeGreaterThan(30);
    for (const [index, { path, method, operation }] of operations.entries()) {
      const name = `${method.toUpperCase()} ${path}`;
      const samples = fc.sample(requestFor(path, operation), { numRuns: RUNS, seed: SEED + index });
      for (const sample of samples) {
        let token = owner.accessToken;
        if (SELF_ENDING.has(name)) token = (await registerUser(api.http)).accessToken;
        const response = await fetch(`${api.baseUrl}${sample.path}`, {
          method: method.toUpperCase(),
          headers: { ...sample.headers, authorization: `Bearer ${token}` },
          body: sample.body,
          signal: AbortSignal.timeout(20_000),
        });
        sent++;
        const text = await response.text();
        const type = response.headers.get('content-type') ?? '';
        const request = `${method.toUpperCase()} ${sample.path.slice(0, 300)} ${JSON.stringify(sample.headers)} ${(sample.body ?? '').slice(0, 300)}`;
        const fail = (problem: string): void => {
          failures.push({
            operation: name,
            request,
            status: response.status,
            problem: `${problem}: ${text.slice(0, 300)}`,
          });
        };
        if (response.status >= 500 && !unconfigured(response.status, text)) fail('5xx');
        if (response.status >= 400 && !type.startsWith('application/problem+json'))
          fail(`error without problem+json (${type})`);
        if (!operation.responses?.[String(response.status)]) {
          const key = `${name} → ${response.status}`;
          undeclared.set(key, (undeclared.get(key) ?? 0) + 1);
        }
        if (response.status >= 200 && response.status < 300 && /^application\/json/.test(type)) {
          const why = validator.check(path, method, response.status, JSON.parse(text));
          if (why) fail(`2xx body does not match the documented schema (${why})`);
        }
      }
      // The fixture user must survive every other operation.
      if (
        !SELF_ENDING.has(name) &&
        (await api.http.get('/api/auth/me', { token: owner.accessToken })).status === 401
      ) {
        owner = await registerUser(api.http, { tenantName: 'fuzz' });
      }
    }
    if (undeclared.size > 0) {
      process.stdout.write(
        `fuzz: ${sent} requests; statuses the document does not declare:\n${[...undeclared].map(([k, n]) => `  ${k} (${n}×)`).join('\n')}\n`,
      );
    }
    expect(failures.slice(0, 15)).toEqual([]);
  });
});

function text(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return value === undefined ? '' : JSON.stringify(value);
}

/**
 * A feature this server is not configured for, answered as the contract says: 501 (PDF without a
 * browser), or 503 `EMBEDDINGS_NOT_CONFIGURED` (semantic search or embeddings without a provider).
 */
function unconfigured(status: number, text: string): boolean {
  if (status === 501) return true;
  if (status !== 503) return false;
  try {
    return (JSON.parse(text) as { reason?: unknown }).reason === 'EMBEDDINGS_NOT_CONFIGURED';
  } catch {
    return false;
  }
}

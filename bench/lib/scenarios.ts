import type { RequestSpec } from 'autocannon';
import type { Fixture } from './fixture';

/** API configurations: the production default, and the same with read auditing / metrics off. */
export type ApiVariant =
  'api' | 'api-no-audit-reads' | 'api-no-metrics' | 'api-no-audit-reads-no-metrics';

export const API_VARIANTS: Record<ApiVariant, Record<string, string>> = {
  api: {},
  'api-no-audit-reads': { AUDIT_READS: 'false' },
  'api-no-metrics': { METRICS_ENABLED: 'false' },
  'api-no-audit-reads-no-metrics': { AUDIT_READS: 'false', METRICS_ENABLED: 'false' },
};

/** The production API with another `--max-semi-space-size` (MiB) than the image's. */
export type SemiSpaceVariant = `api-semi-${number}`;

export type ServerName = 'anchor-hello' | 'anchor-pg' | ApiVariant | SemiSpaceVariant;

export interface Scenario {
  name: string;
  label: string;
  server: ServerName;
  auth?: 'jwt' | 'key';
  requests: (f: Fixture) => RequestSpec[];
}

const randomIdPath =
  (prefix: string) =>
  (f: Fixture): RequestSpec[] => [
    {
      method: 'GET',
      setupRequest: (request) => ({
        ...request,
        path: `${prefix}${f.ids[Math.floor(Math.random() * f.ids.length)]}`,
      }),
    },
  ];

const jsonPost = (path: string, body: unknown): RequestSpec => ({
  method: 'POST',
  path,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

const jwtRead = (name: string, server: ServerName, label: string): Scenario => ({
  name,
  label,
  server,
  auth: 'jwt',
  requests: randomIdPath('/api/blocks/'),
});

export const SCENARIOS: Scenario[] = [
  {
    name: 'anchor-hello',
    label: 'anchor: bare Fastify {"hello":"world"}',
    server: 'anchor-hello',
    requests: () => [{ method: 'GET', path: '/' }],
  },
  {
    name: 'anchor-pg-read',
    label: 'anchor: bare Fastify + pg SELECT by id',
    server: 'anchor-pg',
    requests: randomIdPath('/blocks/'),
  },
  {
    name: 'health-live',
    label: 'GET /health/live',
    server: 'api',
    requests: () => [{ method: 'GET', path: '/health/live' }],
  },
  jwtRead('read-jwt', 'api', 'GET /api/blocks/{id} JWT'),
  {
    name: 'read-api-key',
    label: 'GET /api/blocks/{id} API key',
    server: 'api',
    auth: 'key',
    requests: randomIdPath('/api/blocks/'),
  },
  {
    name: 'list-tag',
    label: 'GET /api/blocks?tag=… JWT',
    server: 'api',
    auth: 'jwt',
    requests: (f) => [{ method: 'GET', path: `/api/blocks?tag=${encodeURIComponent(f.tag)}` }],
  },
  {
    name: 'search',
    label: 'GET /api/blocks/search?q=… JWT',
    server: 'api',
    auth: 'jwt',
    requests: (f) => [
      { method: 'GET', path: `/api/blocks/search?q=${encodeURIComponent(f.searchTerm)}` },
    ],
  },
  {
    name: 'create',
    label: 'POST /api/blocks JWT (audited)',
    server: 'api',
    auth: 'jwt',
    requests: () => [
      jsonPost('/api/blocks', {
        title: 'Bench block',
        content: '# Bench\n\nA block written by `npm run bench`.',
        type: 'markdown',
        tags: ['bench', 'written'],
        metadata: { source: 'bench' },
      }),
    ],
  },
  {
    name: 'assemble',
    label: 'POST /api/documents/{id}/assemble, 200 refs + 50 includes (dry run)',
    server: 'api',
    auth: 'jwt',
    requests: (f) => [jsonPost(`/api/documents/${f.documentId}/assemble`, { dryRun: true })],
  },
  {
    name: 'login',
    label: 'POST /api/auth/login (argon2id)',
    server: 'api',
    requests: (f) => [jsonPost('/api/auth/login', { login: f.login, password: f.password })],
  },
  jwtRead(
    'read-jwt-no-audit-reads',
    'api-no-audit-reads',
    'GET /api/blocks/{id} JWT, AUDIT_READS=false',
  ),
  jwtRead(
    'read-jwt-no-metrics',
    'api-no-metrics',
    'GET /api/blocks/{id} JWT, METRICS_ENABLED=false',
  ),
  jwtRead(
    'read-jwt-no-audit-reads-no-metrics',
    'api-no-audit-reads-no-metrics',
    'GET /api/blocks/{id} JWT, both off',
  ),
];

/** The JWT read on the API with each semi-space size (`--semi-space`). */
export function semiSpaceScenarios(sizes: number[]): Scenario[] {
  return sizes.map((mib) =>
    jwtRead(
      `read-jwt-semi-${mib}`,
      `api-semi-${mib}`,
      `GET /api/blocks/{id} JWT, --max-semi-space-size=${mib}`,
    ),
  );
}

/** The semi-space size of a variant's name, or undefined for the others. */
export function semiSpaceOf(server: ServerName): number | undefined {
  const match = /^api-semi-(\d+)$/.exec(server);
  return match ? Number(match[1]) : undefined;
}

/** The headers a scenario's requests carry. */
export function authHeaders(scenario: Scenario, f: Fixture): Record<string, string> {
  if (scenario.auth === 'jwt') return { authorization: `Bearer ${f.token}` };
  if (scenario.auth === 'key') return { 'x-api-key': f.apiKey };
  return {};
}

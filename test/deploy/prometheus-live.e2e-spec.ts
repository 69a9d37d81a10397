import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { startTestApp, type TestApp } from '../support/test-app';
import {
  CHART_FILES,
  NOT_FROM_THE_API,
  alertExpressions,
  dashboardQueries,
  exportedMetricNames,
  metricNamesIn,
  requireTool,
  resolveDashboardVariables,
} from './tools';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('port')),
      );
    });
  });
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 40_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const PROCESS_LEVEL_ALERTS = new Set([
  'ContentBlocksHighCpu',
  'ContentBlocksHighMemory',
  'ContentBlocksEventLoopLag',
]);

interface PromResponse {
  status: 'success' | 'error';
  error?: string;
  warnings?: string[];
  data: any;
}

/**
 * A real Prometheus (Debian's) on loopback scrapes a running API every second with the chart's
 * alert rules loaded; every dashboard query and alert expression is evaluated against it.
 */
describe('dashboard and alert rules against a live API and a real Prometheus', () => {
  const prometheusBinary = requireTool('prometheus', 'prometheus');
  let t: TestApp;
  let prometheus: ChildProcess;
  let prometheusUrl: string;
  let dir: string;
  let exposition: string;
  let prometheusLog = '';

  const query = async (expr: string): Promise<PromResponse> => {
    const response = await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
    return (await response.json()) as PromResponse;
  };

  beforeAll(async () => {
    t = await startTestApp();
    // Traffic of several kinds, so labelled series exist: 2xx, 4xx, probes.
    for (let i = 0; i < 5; i++) {
      await t.http.get('/health/live');
      await t.http.get('/health/ready');
      await t.http.get('/api/does-not-exist');
      await t.http.post('/api/auth/login', { login: 'nobody', password: 'wrong-password-123456' });
    }
    exposition = (await t.http.get('/metrics')).text;

    dir = mkdtempSync(join(tmpdir(), 'cb-prometheus-'));
    const port = await freePort();
    const target = new URL(t.baseUrl).host;
    writeFileSync(
      join(dir, 'prometheus.yml'),
      [
        'global:',
        '  scrape_interval: 1s',
        '  evaluation_interval: 1s',
        'rule_files:',
        `  - ${join(CHART_FILES, 'alert-rules.yaml')}`,
        'scrape_configs:',
        '  - job_name: content-blocks',
        '    metrics_path: /metrics',
        '    static_configs:',
        `      - targets: ['${target}']`,
        '',
      ].join('\n'),
    );
    prometheus = spawn(
      prometheusBinary,
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    prometheus.stdout!.on('data', (d: Buffer) => (prometheusLog += d.toString()));
    prometheus.stderr!.on('data', (d: Buffer) => (prometheusLog += d.toString()));
    prometheusUrl = `http://127.0.0.1:${port}`;
    await until('Prometheus to be ready', async () =>
      (await fetch(`${prometheusUrl}/-/ready`)).ok ? true : undefined,
    );
    // Enough scrapes for rate() over the dashboard's 1m window to have two samples.
    await until('three successful scrapes of the API', async () => {
      const result = await query('count_over_time(up{job="content-blocks"}[1m])');
      const value = Number(result.data?.result?.[0]?.value?.[1] ?? 0);
      const up = await query('up{job="content-blocks"}');
      return value >= 3 && up.data?.result?.[0]?.value?.[1] === '1' ? true : undefined;
    });
  }, 90_000);

  afterAll(async () => {
    if (prometheus && prometheus.exitCode === null) {
      const exited = new Promise((r) => prometheus.once('exit', r));
      prometheus.kill('SIGTERM');
      await exited;
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
    await t?.close();
  });

  it('uses only metric names that the API exports', () => {
    const exported = exportedMetricNames(exposition);
    const used = [...dashboardQueries(), ...alertExpressions()].flatMap(({ expr }) =>
      metricNamesIn(expr),
    );
    expect(used.length).toBeGreaterThan(20);
    const missing = [...new Set(used)].filter(
      (name) => !exported.has(name) && !NOT_FROM_THE_API.has(name),
    );
    expect(missing).toEqual([]);
  });

  it('finds every metric family the dashboard promises on the live /metrics', () => {
    const exported = exportedMetricNames(exposition);
    for (const name of [
      'http_requests_total',
      'http_request_duration_seconds',
      'http_requests_in_flight',
      'auth_attempts_total',
      'auth_active_sessions',
      'db_pool_connections',
      'audit_queue_depth',
      'audit_write_failures_total',
      'errors_total',
      'process_resident_memory_bytes',
      'process_cpu_seconds_total',
      'nodejs_eventloop_lag_p99_seconds',
    ])
      expect({ name, exported: exported.has(name) }).toEqual({ name, exported: true });
  });

  it('evaluates every dashboard query without error', async () => {
    const failures: string[] = [];
    for (const { panel, expr } of dashboardQueries()) {
      const result = await query(resolveDashboardVariables(expr));
      if (result.status !== 'success' || result.warnings?.length)
        failures.push(`${panel}: ${expr}: ${result.error ?? result.warnings?.join('; ')}`);
    }
    expect(failures).toEqual([]);
  });

  it('returns data for the traffic, process and pool panels', async () => {
    const queries = dashboardQueries().filter(({ panel }) =>
      /Request rate|Memory|CPU|Event-loop lag|In-flight|Connection pool/.test(panel),
    );
    expect(queries.length).toBeGreaterThanOrEqual(6);
    for (const { panel, expr } of queries) {
      const result = await query(resolveDashboardVariables(expr));
      expect({ panel, series: result.data.result.length > 0 }).toEqual({ panel, series: true });
    }
  });

  it('evaluates every alert expression without error, and none fires on a healthy API', async () => {
    for (const { alert, expr } of alertExpressions()) {
      const result = await query(expr);
      expect({ alert, status: result.status, error: result.error }).toEqual({
        alert,
        status: 'success',
        error: undefined,
      });
      // The app runs inside a busy Jest worker here, so the process-level alerts (CPU, memory,
      // event-loop lag) measure Jest too; the request, database and audit alerts must stay quiet.
      if (!PROCESS_LEVEL_ALERTS.has(alert))
        expect({ alert, firing: result.data.result }).toEqual({ alert, firing: [] });
    }
  });

  it('loads the alert rules and evaluates each rule healthily', async () => {
    const rules = await until('the rule groups to be evaluated', async () => {
      const response = (await (
        await fetch(`${prometheusUrl}/api/v1/rules`)
      ).json()) as PromResponse;
      const all = response.data.groups.flatMap((g: any) => g.rules);
      return all.every((r: any) => r.lastEvaluation && !r.lastEvaluation.startsWith('0001'))
        ? all
        : undefined;
    });
    expect(rules.length).toBe(alertExpressions().length);
    for (const rule of rules)
      expect({ rule: rule.name, health: rule.health, error: rule.lastError ?? '' }).toEqual({
        rule: rule.name,
        health: 'ok',
        error: '',
      });
    expect(prometheusLog).not.toMatch(/level=error/);
  });
});

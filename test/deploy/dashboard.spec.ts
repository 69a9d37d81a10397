import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHART_FILES, dashboardQueries, metricNamesIn } from './tools';

interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { h: number; w: number; x: number; y: number };
  datasource?: { type: string; uid: string };
  targets?: Array<{ refId: string; expr: string; datasource?: { uid: string } }>;
}
const dashboard = JSON.parse(readFileSync(join(CHART_FILES, 'grafana-dashboard.json'), 'utf8')) as {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: Array<{ name: string; type: string; query: unknown }> };
};
const panels = dashboard.panels.filter((p) => p.type !== 'row');

/** Which metric families each panel reads. */
const metricsOf = (title: string): string[] =>
  dashboardQueries()
    .filter((q) => q.panel === title)
    .flatMap((q) => metricNamesIn(q.expr));

describe('Grafana dashboard (files/grafana-dashboard.json)', () => {
  it('has a panel for each signal an operator watches, each on the metric it is about', () => {
    const expected: Array<[RegExp, string]> = [
      [/^Request rate/, 'http_requests_total'],
      [/^Error rate/, 'http_requests_total'],
      [/^Latency p50 by route/, 'http_request_duration_seconds_bucket'],
      [/^Latency p95 by route/, 'http_request_duration_seconds_bucket'],
      [/^Latency p99 by route/, 'http_request_duration_seconds_bucket'],
      [/^In-flight requests/, 'http_requests_in_flight'],
      [/^Auth attempts by result/, 'auth_attempts_total'],
      [/^Active sessions/, 'auth_active_sessions'],
      [/^Identity cache hit rate/, 'identity_cache_lookups_total'],
      [/^Identity cache hit rate/, 'identity_cache_evictions_total'],
      [/^Connection pool/, 'db_pool_connections'],
      [/^Query latency/, 'db_query_duration_seconds_bucket'],
      [/^Block operations/, 'block_operations_total'],
      [/^Search rate/, 'search_queries_total'],
      [/^Search latency/, 'search_duration_seconds_bucket'],
      [/^Rate-limit hits/, 'rate_limit_hits_total'],
      [/^Audit events/, 'audit_events_total'],
      [/^Audit queue depth/, 'audit_queue_depth'],
      [/^Errors by code/, 'errors_total'],
      [/^Memory/, 'process_resident_memory_bytes'],
      [/^CPU/, 'process_cpu_seconds_total'],
      [/^Event-loop lag/, 'nodejs_eventloop_lag_p99_seconds'],
      [/^Assemblies by result/, 'document_assemblies_total'],
      [/^Exports by format and result/, 'document_exports_total'],
      [/^Render duration/, 'document_render_duration_seconds_bucket'],
      [/^ML requests by operation/, 'ml_requests_total'],
      [/^ML processing duration/, 'ml_processing_duration_seconds_bucket'],
      [/^ML model status/, 'ml_model_status'],
      [/^ML model status/, 'ml_classifier_trained_tenants'],
      [/^Embeddings backlog/, 'embeddings_backlog'],
      [/^Embeddings backlog/, 'embeddings_blocks_embedded_total'],
    ];
    for (const [title, metric] of expected) {
      const panel = panels.find((p) => title.test(p.title));
      expect({ title: String(title), found: Boolean(panel) }).toEqual({
        title: String(title),
        found: true,
      });
      expect(metricsOf(panel!.title)).toContain(metric);
    }
  });

  it('is well formed: unique ids and refIds, panels inside the 24-column grid', () => {
    expect(dashboard.uid).toBe('content-blocks');
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const panel of dashboard.panels) {
      expect(panel.gridPos.x + panel.gridPos.w).toBeLessThanOrEqual(24);
      const refIds = (panel.targets ?? []).map((t) => t.refId);
      expect(new Set(refIds).size).toBe(refIds.length);
    }
    // No two panels overlap.
    const cells = new Set<string>();
    for (const { gridPos: g } of dashboard.panels)
      for (let x = g.x; x < g.x + g.w; x++)
        for (let y = g.y; y < g.y + g.h; y++) {
          expect(cells.has(`${x},${y}`)).toBe(false);
          cells.add(`${x},${y}`);
        }
  });

  it('works with any Prometheus data source and job: no hard-coded uid', () => {
    const variables = Object.fromEntries(dashboard.templating.list.map((v) => [v.name, v]));
    expect(variables.datasource).toMatchObject({ type: 'datasource', query: 'prometheus' });
    expect(variables.job).toBeDefined();
    expect(variables.instance).toBeDefined();
    for (const panel of panels.filter((p) => p.type !== 'logs')) {
      expect(panel.datasource?.uid).toBe('${datasource}');
      for (const target of panel.targets ?? []) {
        expect(target.datasource?.uid ?? '${datasource}').toBe('${datasource}');
        // Every selector is scoped to the chosen job and instances.
        for (const selector of target.expr.match(/[a-z_:]+\{[^}]*\}/g) ?? [])
          expect(selector).toContain('job=~"$job",instance=~"$instance"');
      }
    }
  });

  it('shows the API logs from any Loki data source next to the traffic panels', () => {
    const variables = Object.fromEntries(dashboard.templating.list.map((v) => [v.name, v]));
    expect(variables.loki).toMatchObject({ type: 'datasource', query: 'loki' });
    expect(variables.log_level).toMatchObject({ type: 'custom', includeAll: true });
    const logs = panels.filter((p) => p.type === 'logs');
    expect(logs).toHaveLength(1);
    const [panel] = logs;
    expect(panel.datasource).toEqual({ type: 'loki', uid: '${loki}' });
    // Only the labels the log agent sets (job, level): the rest is parsed from the JSON line.
    expect(panel.targets!.map((t) => t.expr)).toEqual([
      '{job=~"$job", level=~"$log_level"} | json',
    ]);
    // In the Traffic row: below its last panel, above the next row.
    const rows = dashboard.panels.filter((p) => p.type === 'row');
    const traffic = rows.find((r) => r.title === 'Traffic')!;
    const next = rows.find((r) => r.gridPos.y > traffic.gridPos.y)!;
    expect(panel.gridPos.y).toBeGreaterThan(traffic.gridPos.y);
    expect(panel.gridPos.y + panel.gridPos.h).toBeLessThanOrEqual(next.gridPos.y);
    expect(dashboardQueries('loki')).toHaveLength(1);
  });

  it('has an ML row with every panel below it on an ml_* or embeddings_* metric', () => {
    const ml = dashboard.panels.find((p) => p.type === 'row' && p.title === 'ML')!;
    const below = panels.filter((p) => p.gridPos.y > ml.gridPos.y);
    expect(below.map((p) => p.title)).toHaveLength(4);
    for (const panel of below)
      for (const metric of metricsOf(panel.title)) expect(metric).toMatch(/^(ml|embeddings)_/);
  });
});

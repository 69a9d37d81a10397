import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { CHART_DIR, CHART_FILES, ROOT, requireTool, run } from './tools';

const promtool = requireTool('promtool', 'prometheus');
const amtool = requireTool('amtool', 'prometheus-alertmanager');

interface Rule {
  alert?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
const rules = parse(readFileSync(join(CHART_FILES, 'alert-rules.yaml'), 'utf8')) as {
  groups: Array<{ name: string; rules: Rule[] }>;
};
const alerts = rules.groups.flatMap((g) => g.rules).filter((r) => r.alert);
const unitTests = parse(readFileSync(join(CHART_FILES, 'alert-rules.test.yaml'), 'utf8'));

describe('alert rules and Alertmanager config', () => {
  it('pass promtool check rules', () => {
    const result = run(promtool, ['check', 'rules', join(CHART_FILES, 'alert-rules.yaml')]);
    expect(result.stdout + result.stderr).toMatch(/SUCCESS: \d+ rules found/);
    expect(result.status).toBe(0);
  });

  it('pass their promtool unit tests', () => {
    const result = run(promtool, ['test', 'rules', 'alert-rules.test.yaml'], {
      cwd: CHART_FILES,
    });
    expect(result.stdout + result.stderr).toMatch(/SUCCESS/);
    expect(result.status).toBe(0);
  });

  it('has a firing unit test for every alert', () => {
    const tested = new Set<string>(
      unitTests.tests.flatMap((t: any) =>
        (t.alert_rule_test ?? [])
          .filter((a: any) => a.exp_alerts.length > 0)
          .map((a: any) => a.alertname),
      ),
    );
    expect(alerts.map((a) => a.alert).filter((name) => !tested.has(name!))).toEqual([]);
  });

  it('alerts on every condition an operator must hear about', () => {
    expect(alerts.map((a) => a.alert).sort()).toEqual(
      [
        'ContentBlocksAuditQueueSaturated',
        'ContentBlocksAuditWriteFailures',
        'ContentBlocksCertificateExpiry',
        'ContentBlocksCriticalErrorRate',
        'ContentBlocksDown',
        'ContentBlocksEmbeddingsBacklogStuck',
        'ContentBlocksEventLoopLag',
        'ContentBlocksFailedLoginSurge',
        'ContentBlocksHighCpu',
        'ContentBlocksHighErrorRate',
        'ContentBlocksHighLatency',
        'ContentBlocksHighMemory',
        'ContentBlocksIdentityCacheLowHitRate',
        'ContentBlocksNoDatabaseConnections',
        'ContentBlocksRateLimitSurge',
      ].sort(),
    );
    const byName = Object.fromEntries(alerts.map((a) => [a.alert, a]));
    expect(byName.ContentBlocksHighErrorRate.expr).toMatch(/> 0\.05\s*$/);
    expect(byName.ContentBlocksCriticalErrorRate.expr).toMatch(/> 0\.10\s*$/);
    expect(byName.ContentBlocksHighLatency.expr).toMatch(/histogram_quantile\(0\.95,.*\) > 1\s*$/);
  });

  it('gives every alert a severity, summary, description and a runbook in the README', () => {
    const readme = readFileSync(join(CHART_DIR, 'README.md'), 'utf8');
    for (const alert of alerts) {
      const name = alert.alert!;
      expect({ name, severity: alert.labels?.severity }).toEqual({
        name,
        severity: expect.stringMatching(/^(warning|critical)$/),
      });
      expect(alert.annotations?.summary).toBeTruthy();
      expect(alert.annotations?.description).toBeTruthy();
      const anchor = `runbook-${name.toLowerCase()}`;
      expect(alert.annotations?.runbook_url).toMatch(new RegExp(`README\\.md#${anchor}$`));
      // GitHub's anchor of "### Runbook: Name" is "runbook-name".
      expect(readme).toContain(`### Runbook: ${name}\n`);
      const section = readme.slice(readme.indexOf(`### Runbook: ${name}\n`)).split('\n### ')[0];
      expect(section).toContain(`**Severity** ${alert.labels!.severity}`);
    }
  });

  it('have a valid Alertmanager config (amtool check-config)', () => {
    const result = run(amtool, ['check-config', join(ROOT, 'deploy/alertmanager.yml')]);
    expect(result.stdout + result.stderr).toMatch(/SUCCESS/);
    expect(result.status).toBe(0);
  });

  it('have a valid Prometheus config for docker-compose (promtool check config)', () => {
    const result = run(promtool, [
      'check',
      'config',
      '--syntax-only',
      join(ROOT, 'deploy/prometheus.yml'),
    ]);
    expect(result.stdout + result.stderr).toMatch(/SUCCESS/);
    expect(result.status).toBe(0);
  });
});

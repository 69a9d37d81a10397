// Validates Prometheus Operator objects (ServiceMonitor, PrometheusRule, ...) against the CRD
// schemas of @kubernetes-models/prometheus-operator. That package is ESM-only (no `require`
// export), which Jest's CommonJS runtime cannot load, so the chart tests run this in plain Node:
// manifests as a JSON array on stdin, one line per invalid object on stdout, exit 1 if any.
import * as models from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';

const input = await new Promise((resolve) => {
  let text = '';
  process.stdin.on('data', (chunk) => (text += chunk));
  process.stdin.on('end', () => resolve(text));
});
let failed = false;
for (const manifest of JSON.parse(input)) {
  const Model = models[manifest.kind];
  try {
    if (manifest.apiVersion !== 'monitoring.coreos.com/v1' || !Model)
      throw new Error(`no schema for ${manifest.apiVersion} ${manifest.kind}`);
    new Model(manifest).validate();
  } catch (error) {
    failed = true;
    process.stdout.write(`${manifest.kind} ${manifest.metadata?.name}: ${error.message}\n`);
  }
}
process.exit(failed ? 1 : 0);

import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import {
  CHART_DIR,
  CHART_FILES,
  DEFAULT_VALUES,
  MONITORING_APIS,
  PRODUCTION_VALUES,
  ROOT,
  helm,
  run,
  renderChart,
  type Manifest,
} from '../deploy/tools';

const find = (manifests: Manifest[], kind: string, nameSuffix = ''): Manifest => {
  const found = manifests.find((m) => m.kind === kind && m.metadata.name.endsWith(nameSuffix));
  if (!found) throw new Error(`no ${kind} *${nameSuffix} in the rendered chart`);
  return found;
};

/** Validates a manifest with the Kubernetes OpenAPI schemas compiled into kubernetes-models. */
async function validateAgainstKubernetes(manifest: Manifest): Promise<void> {
  const models = (await import(`kubernetes-models/${manifest.apiVersion}`)) as Record<
    string,
    new (data: unknown) => { validate(): void }
  >;
  const Model = models[manifest.kind];
  if (!Model) throw new Error(`kubernetes-models has no ${manifest.apiVersion} ${manifest.kind}`);
  new Model(manifest).validate();
}

function podSpecs(manifests: Manifest[]): Array<[string, any]> {
  return manifests.flatMap((m): Array<[string, any]> => {
    if (m.kind === 'Pod') return [[`Pod ${m.metadata.name}`, m.spec]];
    if (m.kind === 'Deployment' || m.kind === 'Job')
      return [[`${m.kind} ${m.metadata.name}`, m.spec.template.spec]];
    return [];
  });
}

/** The Pod Security Standard "restricted" profile, checked field by field. */
function expectRestricted(where: string, spec: any): void {
  const pod = spec.securityContext ?? {};
  expect({ where, seccomp: pod.seccompProfile?.type }).toEqual({
    where,
    seccomp: 'RuntimeDefault',
  });
  for (const container of [...spec.containers, ...(spec.initContainers ?? [])]) {
    const sc = container.securityContext ?? {};
    const label = `${where} container ${container.name}`;
    expect({ label, runAsNonRoot: sc.runAsNonRoot ?? pod.runAsNonRoot }).toEqual({
      label,
      runAsNonRoot: true,
    });
    expect({ label, allowPrivilegeEscalation: sc.allowPrivilegeEscalation }).toEqual({
      label,
      allowPrivilegeEscalation: false,
    });
    expect({ label, readOnlyRootFilesystem: sc.readOnlyRootFilesystem }).toEqual({
      label,
      readOnlyRootFilesystem: true,
    });
    expect({ label, drop: sc.capabilities?.drop }).toEqual({ label, drop: ['ALL'] });
    expect(container.resources?.limits).toBeDefined();
    expect(container.resources?.requests).toBeDefined();
    const uid = sc.runAsUser ?? pod.runAsUser;
    expect(typeof uid === 'number' && uid > 0).toBe(true);
  }
}

describe('helm chart content-blocks', () => {
  describe('helm lint --strict', () => {
    // Every ci/*-values.yaml, as chart-testing would lint them.
    const ciValues = readdirSync(join(CHART_DIR, 'ci'))
      .filter((f) => f.endsWith('-values.yaml'))
      .map((f): [string, string[]] => [`ci/${f}`, ['-f', join(CHART_DIR, 'ci', f)]]);
    it('has the ci values files the tests rely on', () => {
      expect(ciValues.map(([name]) => name).sort()).toEqual([
        'ci/default-values.yaml',
        'ci/production-values.yaml',
        'ci/single-replica-values.yaml',
      ]);
    });
    it.each([['default values', [] as string[]], ...ciValues])('passes with %s', (_name, args) => {
      const result = helm(['lint', '--strict', CHART_DIR, ...args]);
      expect(`${result.stdout}${result.stderr}`).toMatch(
        /1 chart\(s\) linted, 0 chart\(s\) failed/,
      );
      expect(result.status).toBe(0);
    });
  });

  describe('values.schema.json', () => {
    it.each([
      ['replicaCount=three', /replicaCount.*want integer|got string/],
      ['autoscaling.enabled=maybe', /autoscaling\/enabled/],
      ['service.port=99999', /service\/port/],
      ['config.logLevel=loud', /config\/logLevel/],
      ['secrets.jwtSecret=too-short', /secrets\/jwtSecret/],
      ['replicaCont=3', /additional properties 'replicaCont' not allowed/],
    ])('rejects --set %s', (set, message) => {
      const result = helm(['template', 'cb', CHART_DIR, '--set', set]);
      expect(result.status).not.toBe(0);
      expect(result.stderr).toMatch(message);
    });
  });

  describe('with default values', () => {
    const manifests = renderChart();

    it('renders only objects that the Kubernetes schemas accept', async () => {
      expect(manifests.map((m) => m.kind).sort()).toEqual(
        [
          'ConfigMap',
          'Deployment',
          'HorizontalPodAutoscaler',
          'Job',
          'PodDisruptionBudget',
          'Pod',
          'Secret',
          'Service',
          'ServiceAccount',
        ].sort(),
      );
      for (const manifest of manifests) await validateAgainstKubernetes(manifest);
    });

    it('runs every pod under the restricted pod security profile', () => {
      const specs = podSpecs(manifests);
      expect(specs).toHaveLength(3);
      for (const [where, spec] of specs) expectRestricted(where, spec);
    });

    it('runs the API with probes, a /tmp emptyDir, spread pods and rolling checksums', () => {
      const deployment = find(manifests, 'Deployment');
      const pod = deployment.spec.template.spec;
      const [api] = pod.containers;
      expect(deployment.spec.replicas).toBeUndefined(); // the HPA owns it
      expect(api.image).toBe('ghcr.io/content-blocks/api:0.1.0');
      expect(api.livenessProbe.httpGet).toEqual({ path: '/health/live', port: 'http' });
      expect(api.readinessProbe.httpGet).toEqual({ path: '/health/ready', port: 'http' });
      expect(api.startupProbe.httpGet).toEqual({ path: '/health/live', port: 'http' });
      expect(api.ports).toEqual([{ name: 'http', containerPort: 3000, protocol: 'TCP' }]);
      expect(api.volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
      expect(pod.volumes).toEqual([{ name: 'tmp', emptyDir: { sizeLimit: '64Mi' } }]);
      expect(pod.automountServiceAccountToken).toBe(false);
      expect(pod.serviceAccountName).toBe('cb-content-blocks');
      const keys = pod.topologySpreadConstraints.map((c: any) => c.topologyKey);
      expect(keys).toEqual(['kubernetes.io/hostname', 'topology.kubernetes.io/zone']);
      const annotations = deployment.spec.template.metadata.annotations;
      expect(annotations['checksum/config']).toMatch(/^[0-9a-f]{64}$/);
      expect(annotations['checksum/secret']).toMatch(/^[0-9a-f]{64}$/);
    });

    it('gives shutdown enough time: grace period covers SHUTDOWN_DELAY_MS + SHUTDOWN_TIMEOUT_MS', () => {
      const pod = find(manifests, 'Deployment').spec.template.spec;
      const config = find(manifests, 'ConfigMap').data;
      const needed = (Number(config.SHUTDOWN_DELAY_MS) + Number(config.SHUTDOWN_TIMEOUT_MS)) / 1000;
      expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(needed);
      expect(pod.terminationGracePeriodSeconds).toBe(20);
      // Readiness must fail within the delay so endpoints drop the pod before it stops accepting.
      const readiness = pod.containers[0].readinessProbe;
      expect(readiness.periodSeconds * readiness.failureThreshold * 1000).toBeLessThanOrEqual(
        Number(config.SHUTDOWN_DELAY_MS) * 2,
      );
    });

    it('changes the config checksum when the configuration changes', () => {
      const before = find(manifests, 'Deployment').spec.template.metadata.annotations;
      const after = find(renderChart({ set: ['config.logLevel=debug'] }), 'Deployment').spec
        .template.metadata.annotations;
      expect(after['checksum/config']).not.toBe(before['checksum/config']);
      expect(after['checksum/secret']).toBe(before['checksum/secret']);
    });

    it('reads configuration from the ConfigMap and secrets by reference only', () => {
      const [api] = find(manifests, 'Deployment').spec.template.spec.containers;
      expect(api.envFrom).toEqual([{ configMapRef: { name: 'cb-content-blocks' } }]);
      const refs = Object.fromEntries(
        api.env.map((e: any) => [e.name, e.valueFrom?.secretKeyRef ?? e.value]),
      );
      expect(refs.DATABASE_URL).toEqual({ name: 'cb-content-blocks', key: 'DATABASE_URL' });
      expect(refs.JWT_SECRET).toEqual({ name: 'cb-content-blocks', key: 'JWT_SECRET' });
      for (const key of ['REDIS_URL', 'METRICS_TOKEN', 'ADMIN_EMAIL', 'ADMIN_PASSWORD'])
        expect(refs[key]).toEqual({ name: 'cb-content-blocks', key, optional: true });
      const config = find(manifests, 'ConfigMap').data;
      expect(config).toMatchObject({ NODE_ENV: 'production', PORT: '3000' });
      for (const value of Object.values(config)) expect(typeof value).toBe('string');
    });

    it('creates the Secret as a hook that exists before the migrations Job', () => {
      const secret = find(manifests, 'Secret');
      const job = find(manifests, 'Job', '-migrations');
      expect(secret.metadata.annotations).toMatchObject({
        'helm.sh/hook': 'pre-install,pre-upgrade',
        'helm.sh/hook-delete-policy': 'before-hook-creation',
      });
      expect(job.metadata.annotations).toEqual({
        'helm.sh/hook': 'pre-install,pre-upgrade',
        'helm.sh/hook-weight': '0',
        'helm.sh/hook-delete-policy': 'before-hook-creation,hook-succeeded',
      });
      expect(Number(secret.metadata.annotations['helm.sh/hook-weight'])).toBeLessThan(
        Number(job.metadata.annotations['helm.sh/hook-weight']),
      );
      expect(secret.stringData.JWT_SECRET).toMatch(/^[A-Za-z0-9]{64}$/);
    });

    it('migrates with the CLI using only what exists before install', () => {
      const job = find(manifests, 'Job', '-migrations');
      const pod = job.spec.template.spec;
      const [container] = pod.containers;
      expect(container.command).toEqual(['node', 'dist/libs/database/src/cli.js', 'run']);
      expect(pod.restartPolicy).toBe('Never');
      // No ServiceAccount or ConfigMap of this release: they do not exist yet at pre-install.
      expect(pod.serviceAccountName).toBeUndefined();
      expect(container.envFrom).toBeUndefined();
      const env = Object.fromEntries(
        container.env.map((e: any) => [e.name, e.valueFrom?.secretKeyRef?.name ?? e.value]),
      );
      expect(env).toMatchObject({
        NODE_ENV: 'production',
        DATABASE_URL: 'cb-content-blocks',
        JWT_SECRET: 'cb-content-blocks',
      });
    });

    it('autoscales 3..10 on CPU 70 % and memory 80 % with the agreed behaviour', () => {
      const hpa = find(manifests, 'HorizontalPodAutoscaler');
      expect(hpa.apiVersion).toBe('autoscaling/v2');
      expect(hpa.spec.scaleTargetRef).toEqual({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        name: 'cb-content-blocks',
      });
      expect(hpa.spec.minReplicas).toBe(3);
      expect(hpa.spec.maxReplicas).toBe(10);
      expect(
        hpa.spec.metrics.map((m: any) => [m.resource.name, m.resource.target.averageUtilization]),
      ).toEqual([
        ['cpu', 70],
        ['memory', 80],
      ]);
      expect(hpa.spec.behavior.scaleUp).toEqual({
        stabilizationWindowSeconds: 0,
        selectPolicy: 'Max',
        policies: [
          { type: 'Percent', value: 100, periodSeconds: 30 },
          { type: 'Pods', value: 2, periodSeconds: 30 },
        ],
      });
      expect(hpa.spec.behavior.scaleDown).toEqual({
        stabilizationWindowSeconds: 300,
        selectPolicy: 'Max',
        policies: [{ type: 'Percent', value: 50, periodSeconds: 60 }],
      });
    });

    it('keeps all but one pod through voluntary disruptions', () => {
      const pdb = find(manifests, 'PodDisruptionBudget');
      expect(pdb.spec).toEqual({
        maxUnavailable: 1,
        selector: {
          matchLabels: {
            'app.kubernetes.io/name': 'content-blocks',
            'app.kubernetes.io/instance': 'cb',
            'app.kubernetes.io/component': 'api',
          },
        },
      });
      const deployment = find(manifests, 'Deployment');
      expect(deployment.spec.selector.matchLabels).toEqual(pdb.spec.selector.matchLabels);
      expect(find(manifests, 'Service').spec.selector).toEqual(pdb.spec.selector.matchLabels);
    });

    it('ships a helm test that checks readiness through the Service', () => {
      const pod = find(manifests, 'Pod', '-test-connection');
      expect(pod.metadata.annotations['helm.sh/hook']).toBe('test');
      expect(pod.spec.containers[0].command.join(' ')).toContain(
        'http://cb-content-blocks:80/health/ready',
      );
    });

    it('renders the ServiceMonitor and PrometheusRule when enabled, without probing the cluster', () => {
      // No apiVersions: what helm template, Argo CD and Flux see.
      const kinds = renderChart({
        set: ['metrics.serviceMonitor.enabled=true', 'metrics.prometheusRule.enabled=true'],
      }).map((m) => m.kind);
      expect(kinds).toContain('ServiceMonitor');
      expect(kinds).toContain('PrometheusRule');
    });

    it('renders neither when they are disabled, even where the CRDs exist', () => {
      const kinds = renderChart({ apiVersions: MONITORING_APIS }).map((m) => m.kind);
      expect(kinds).not.toContain('ServiceMonitor');
      expect(kinds).not.toContain('PrometheusRule');
    });
  });

  describe('heap sizing from the memory limit', () => {
    const nodeOptions = (set: string[]): string | undefined =>
      (
        find(renderChart({ set }), 'Deployment').spec.template.spec.containers[0].env as Array<{
          name: string;
          value?: string;
        }>
      ).find((e) => e.name === 'NODE_OPTIONS')?.value;

    it('caps old space at 60 % of the limit with a 16 MiB semi-space by default', () => {
      expect(nodeOptions([])).toBe('--max-old-space-size=307 --max-semi-space-size=16');
      expect(nodeOptions(['resources.limits.memory=1Gi', 'heap.semiSpaceMiB=32'])).toBe(
        '--max-old-space-size=614 --max-semi-space-size=32',
      );
    });

    it('sets nothing without a limit in Mi or Gi, and takes literal options as given', () => {
      expect(nodeOptions(['resources.limits=null'])).toBeUndefined();
      expect(nodeOptions(['heap.nodeOptions=--max-old-space-size=200'])).toBe(
        '--max-old-space-size=200',
      );
    });
  });

  describe('with secrets.externalSecret (External Secrets Operator)', () => {
    const ES = [
      'secrets.externalSecret.enabled=true',
      'secrets.externalSecret.secretStoreRef.name=vault',
      'secrets.externalSecret.secretStoreRef.kind=ClusterSecretStore',
      'secrets.externalSecret.remoteRefs.databaseUrl.key=prod/content-blocks',
      'secrets.externalSecret.remoteRefs.databaseUrl.property=database_url',
      'secrets.externalSecret.remoteRefs.jwtSecret.key=prod/content-blocks-jwt',
      'secrets.externalSecret.remoteRefs.redisUrl.key=prod/redis',
      // Ignored: the store is the only source.
      'secrets.jwtSecret=this-value-must-not-reach-any-manifest-000',
    ];
    const manifests = renderChart({ set: ES });

    it('fills the Secret the pods read from the store, before the migrations hook', () => {
      const external = find(manifests, 'ExternalSecret');
      expect(external.apiVersion).toBe('external-secrets.io/v1');
      expect(external.spec.secretStoreRef).toEqual({ name: 'vault', kind: 'ClusterSecretStore' });
      expect(external.spec.target).toEqual({ name: 'cb-content-blocks', creationPolicy: 'Orphan' });
      expect(external.spec.data).toEqual([
        {
          secretKey: 'DATABASE_URL',
          remoteRef: { key: 'prod/content-blocks', property: 'database_url' },
        },
        { secretKey: 'JWT_SECRET', remoteRef: { key: 'prod/content-blocks-jwt' } },
        { secretKey: 'REDIS_URL', remoteRef: { key: 'prod/redis' } },
      ]);
      const hookWeight = (m: Manifest): number =>
        Number(m.metadata.annotations?.['helm.sh/hook-weight'] ?? 0);
      const job = manifests.find((m) => m.kind === 'Job')!;
      expect(external.metadata.annotations['helm.sh/hook']).toBe('pre-install,pre-upgrade');
      expect(hookWeight(external)).toBeLessThan(hookWeight(job));
      const env = find(manifests, 'Deployment').spec.template.spec.containers[0].env as Array<{
        name: string;
        valueFrom?: { secretKeyRef?: { name: string } };
      }>;
      expect(env.find((e) => e.name === 'JWT_SECRET')!.valueFrom!.secretKeyRef!.name).toBe(
        'cb-content-blocks',
      );
    });

    it('creates no Secret of its own and leaks no inline value', () => {
      expect(manifests.map((m) => m.kind)).not.toContain('Secret');
      expect(JSON.stringify(manifests)).not.toContain('this-value-must-not-reach-any-manifest');
    });

    it('refuses a missing store, a missing required key, or existingSecret beside it', () => {
      const without = (prefix: string) => ES.filter((s) => !s.startsWith(prefix));
      expect(() =>
        renderChart({ set: without('secrets.externalSecret.secretStoreRef.name') }),
      ).toThrow(/secretStoreRef.name is required/);
      expect(() =>
        renderChart({ set: without('secrets.externalSecret.remoteRefs.jwtSecret.key') }),
      ).toThrow(/jwtSecret.key are required/);
      expect(() => renderChart({ set: [...ES, 'secrets.existingSecret=mine'] })).toThrow(
        /exclude each other/,
      );
      expect(() =>
        renderChart({ set: [...ES, 'secrets.externalSecret.secretStoreRef.kind=Vault'] }),
      ).toThrow(/kind/);
    });
  });

  describe('with ci/production-values.yaml', () => {
    const manifests = renderChart({
      valuesFiles: [PRODUCTION_VALUES],
      apiVersions: MONITORING_APIS,
    });

    it('renders every optional object, each accepted by its schema', async () => {
      const kinds = manifests.map((m) => m.kind);
      for (const kind of [
        'Ingress',
        'NetworkPolicy',
        'ServiceMonitor',
        'PrometheusRule',
        'HorizontalPodAutoscaler',
        'PodDisruptionBudget',
      ])
        expect(kinds).toContain(kind);
      expect(kinds).not.toContain('Secret'); // existingSecret
      expect(kinds.filter((k) => k === 'ConfigMap')).toHaveLength(2);
      const monitoring = manifests.filter((m) => m.apiVersion.startsWith('monitoring.coreos.com/'));
      for (const manifest of manifests)
        if (!monitoring.includes(manifest)) await validateAgainstKubernetes(manifest);
      // ServiceMonitor and PrometheusRule against the Prometheus Operator CRD schemas.
      expect(monitoring.map((m) => m.kind).sort()).toEqual(['PrometheusRule', 'ServiceMonitor']);
      const crds = run(
        process.execPath,
        [join(ROOT, 'test/deploy/validate-prometheus-operator.mjs')],
        {
          input: JSON.stringify(monitoring),
        },
      );
      expect(crds.stdout).toBe('');
      expect(crds.status).toBe(0);
      for (const [where, spec] of podSpecs(manifests)) expectRestricted(where, spec);
    });

    it('points every secret reference at the existing Secret', () => {
      for (const kind of ['Deployment', 'Job']) {
        const containers = find(manifests, kind).spec.template.spec.containers;
        const refs = containers.flatMap((c: any) =>
          c.env.filter((e: any) => e.valueFrom?.secretKeyRef).map((e: any) => e.valueFrom),
        );
        expect(refs.length).toBeGreaterThan(0);
        for (const ref of refs) expect(ref.secretKeyRef.name).toBe('content-blocks-env');
      }
      const monitor = find(manifests, 'ServiceMonitor');
      expect(monitor.spec.endpoints[0].authorization.credentials).toEqual({
        name: 'content-blocks-env',
        key: 'METRICS_TOKEN',
        optional: true,
      });
    });

    it('serves TLS through cert-manager on the ingress', () => {
      const ingress = find(manifests, 'Ingress');
      expect(ingress.metadata.annotations['cert-manager.io/cluster-issuer']).toBe(
        'letsencrypt-prod',
      );
      expect(ingress.spec.tls).toEqual([
        { secretName: 'content-blocks-tls', hosts: ['api.example.com'] },
      ]);
      expect(ingress.spec.ingressClassName).toBe('nginx');
      expect(ingress.spec.rules[0].http.paths[0].backend).toEqual({
        service: { name: 'cb-content-blocks', port: { name: 'http' } },
      });
    });

    it('admits traffic only from the ingress controller and Prometheus, egress only to DNS, PostgreSQL, Redis', () => {
      const policy = find(manifests, 'NetworkPolicy');
      expect(policy.spec.policyTypes).toEqual(['Ingress', 'Egress']);
      expect(policy.spec.ingress).toHaveLength(2);
      const [fromIngress, fromPrometheus] = policy.spec.ingress;
      expect(fromIngress.from[0].namespaceSelector.matchLabels['kubernetes.io/metadata.name']).toBe(
        'ingress-nginx',
      );
      expect(fromIngress.from[1].podSelector.matchLabels['app.kubernetes.io/component']).toBe(
        'test',
      );
      expect(fromIngress.ports).toEqual([{ port: 'http', protocol: 'TCP' }]);
      expect(fromPrometheus.from[0].podSelector.matchLabels['app.kubernetes.io/name']).toBe(
        'prometheus',
      );
      expect(fromPrometheus.ports).toEqual([{ port: 'http', protocol: 'TCP' }]);
      const egressPorts = policy.spec.egress.map((rule: any) =>
        rule.ports.map((p: any) => `${p.port}/${p.protocol}`).join(','),
      );
      expect(egressPorts).toEqual(['53/UDP,53/TCP', '5432/TCP', '6379/TCP']);
      expect(policy.spec.egress[1].to).toEqual([{ ipBlock: { cidr: '10.20.0.0/16' } }]);
      expect(policy.spec.egress[2].to).toEqual([{ ipBlock: { cidr: '10.30.0.0/16' } }]);
    });

    it('scrapes /metrics under job="content-blocks", the job the rules and dashboard select', () => {
      const monitor = find(manifests, 'ServiceMonitor');
      expect(monitor.metadata.labels?.release).toBe('kube-prometheus-stack');
      expect(monitor.spec.endpoints[0]).toMatchObject({ port: 'http', path: '/metrics' });
      expect(monitor.spec.endpoints[0].relabelings).toEqual([
        { targetLabel: 'job', replacement: 'content-blocks' },
      ]);
    });

    it('carries the one copy of the alert rules and of the dashboard from files/', () => {
      const rules = parse(readFileSync(join(CHART_FILES, 'alert-rules.yaml'), 'utf8'));
      expect(find(manifests, 'PrometheusRule').spec).toEqual(rules);
      const dashboard = find(manifests, 'ConfigMap', '-dashboard');
      expect(dashboard.metadata.labels?.grafana_dashboard).toBe('1');
      expect(dashboard.metadata.annotations.grafana_folder).toBe('Content Blocks');
      expect(JSON.parse(dashboard.data['content-blocks.json'])).toEqual(
        JSON.parse(readFileSync(join(CHART_FILES, 'grafana-dashboard.json'), 'utf8')),
      );
    });
  });

  it('moves /metrics to its own port with metrics.port, everywhere it is scraped', () => {
    const manifests = renderChart({
      valuesFiles: [PRODUCTION_VALUES],
      apiVersions: MONITORING_APIS,
      set: ['metrics.port=9100'],
    });
    expect(find(manifests, 'ConfigMap').data.METRICS_PORT).toBe('9100');
    const [api] = find(manifests, 'Deployment').spec.template.spec.containers;
    expect(api.ports).toContainEqual({ name: 'metrics', containerPort: 9100, protocol: 'TCP' });
    expect(find(manifests, 'Service').spec.ports).toContainEqual({
      name: 'metrics',
      port: 9100,
      targetPort: 'metrics',
      protocol: 'TCP',
    });
    expect(find(manifests, 'ServiceMonitor').spec.endpoints[0].port).toBe('metrics');
    expect(find(manifests, 'NetworkPolicy').spec.ingress[1].ports).toEqual([
      { port: 'metrics', protocol: 'TCP' },
    ]);
  });

  it('passes every environment variable of the app (EnvDto) to the pods', () => {
    const dto = readFileSync(join(ROOT, 'libs/config/src/env.dto.ts'), 'utf8');
    const variables = [...dto.matchAll(/^\s+([A-Z][A-Z0-9_]*)[?!]?:/gm)].map((m) => m[1]);
    expect(variables.length).toBeGreaterThan(20);
    const manifests = renderChart({ valuesFiles: [DEFAULT_VALUES], set: ['metrics.port=9100'] });
    const [api] = find(manifests, 'Deployment').spec.template.spec.containers;
    const passed = new Set([
      ...Object.keys(find(manifests, 'ConfigMap').data),
      ...api.env.map((e: any) => e.name as string),
    ]);
    // DATA_DIR only locates the embedded development PostgreSQL; production uses DATABASE_URL.
    // PDF_CHROMIUM_PATH is passed only when set: the default image ships no browser.
    const notForKubernetes = new Set(['DATA_DIR', 'PDF_CHROMIUM_PATH']);
    expect(variables.filter((v) => !passed.has(v) && !notForKubernetes.has(v))).toEqual([]);
  });

  describe('with ci/single-replica-values.yaml', () => {
    const manifests = renderChart({
      valuesFiles: [join(CHART_DIR, 'ci/single-replica-values.yaml')],
    });

    it('runs a fixed replica count, pinned by digest, without HPA, PDB, ServiceAccount or Job', async () => {
      const kinds = manifests.map((m) => m.kind);
      for (const kind of [
        'HorizontalPodAutoscaler',
        'PodDisruptionBudget',
        'ServiceAccount',
        'Job',
      ])
        expect(kinds).not.toContain(kind);
      for (const manifest of manifests) await validateAgainstKubernetes(manifest);
      const deployment = find(manifests, 'Deployment');
      expect(deployment.spec.replicas).toBe(1);
      const pod = deployment.spec.template.spec;
      expect(pod.serviceAccountName).toBe('default');
      expect(pod.containers[0].image).toBe(
        'registry.example.com/content-blocks/api@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
      );
      // 2 s delay + 25 s drain + 5 s margin
      expect(pod.terminationGracePeriodSeconds).toBe(32);
    });

    it('keeps the admin credentials and secrets in the Secret, never in the ConfigMap', () => {
      const secret = find(manifests, 'Secret');
      expect(secret.stringData).toMatchObject({
        ADMIN_EMAIL: 'admin@example.com',
        ADMIN_USERNAME: 'admin',
        ADMIN_PASSWORD: 'a-long-admin-password-123',
        JWT_SECRET: 'a-development-secret-that-is-at-least-32-bytes',
      });
      const config = JSON.stringify(find(manifests, 'ConfigMap').data);
      for (const value of Object.values(secret.stringData as Record<string, string>))
        expect(config).not.toContain(value);
      const deployment = JSON.stringify(find(manifests, 'Deployment'));
      expect(deployment).not.toContain('a-long-admin-password-123');
    });
  });

  describe('NOTES.txt', () => {
    const notes = (args: string[]): string => {
      const result = helm(['install', 'cb', CHART_DIR, '--dry-run=client', ...args]);
      expect(result.stderr).toBe('');
      return result.stdout.slice(result.stdout.indexOf('NOTES:'));
    };

    it('tells where Swagger UI is and that a generated password is in the first pod log', () => {
      const text = notes(['-f', DEFAULT_VALUES]);
      expect(text).toContain('port-forward svc/cb-content-blocks 8080:80');
      expect(text).toContain('http://localhost:8080/docs');
      expect(text).toMatch(/generated one and printed it once on stderr/);
      expect(text).toContain('kubectl --namespace default logs -l app.kubernetes.io/instance=cb');
      expect(text).not.toContain('WARNING: no database');
    });

    it('points at the Secret when the admin password is set, and at the ingress host', () => {
      const text = notes([
        '-f',
        PRODUCTION_VALUES,
        '--set',
        'secrets.existingSecret=',
        '--set',
        'secrets.databaseUrl=postgresql://u:p@db:5432/cb',
        '--set',
        'secrets.admin.password=a-long-admin-password-123',
      ]);
      expect(text).toContain('https://api.example.com/docs');
      expect(text).toContain("get secret cb-content-blocks -o jsonpath='{.data.ADMIN_PASSWORD}'");
    });

    it('warns when no database is configured', () => {
      expect(notes([])).toContain('WARNING: no database is configured');
    });
  });

  it('documents every value in values.yaml with a # -- comment and in the README', () => {
    const lines = readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8').split('\n');
    const readme = readFileSync(join(CHART_DIR, 'README.md'), 'utf8');
    const path: string[] = [];
    const documented = new Set<string>();
    const keys: string[] = [];
    lines.forEach((line, i) => {
      const match = /^( *)([A-Za-z][\w.-]*):/.exec(line);
      if (!match || match[1].length % 2 !== 0) return;
      path.length = match[1].length / 2;
      path.push(match[2]);
      const key = path.join('.');
      keys.push(key);
      if (/^\s*# --/.test(lines[i - 1] ?? '')) documented.add(key);
    });
    // Every leaf is documented itself or sits under a documented map (e.g. resources.requests.cpu).
    const leaves = keys.filter((key) => !keys.some((other) => other.startsWith(`${key}.`)));
    const undocumented = leaves.filter(
      (key) =>
        !key.split('.').some((_part, d, parts) => documented.has(parts.slice(0, d + 1).join('.'))),
    );
    expect(undocumented).toEqual([]);
    expect(documented.size).toBeGreaterThan(60);
    expect([...documented].filter((key) => !readme.includes(`| \`${key}\` `))).toEqual([]);
  });
});

import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse } from 'yaml';
import { CHART_FILES, ROOT } from './tools';

// No Docker engine here: docker-compose.yml is parsed and checked for what `docker compose up`
// relies on (services, healthchecks, start order, mounts that exist, variables in .env.example).
const composeText = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
const compose = parse(composeText, { merge: true }) as {
  services: Record<string, any>;
  volumes: Record<string, unknown>;
};
const { services } = compose;
const prometheus = parse(readFileSync(join(ROOT, 'deploy/prometheus.yml'), 'utf8'));

describe('docker-compose.yml', () => {
  it('runs the whole stack', () => {
    expect(Object.keys(services).sort()).toEqual(
      [
        'alertmanager',
        'alloy',
        'api',
        'grafana',
        'jaeger',
        'loki',
        'migrations',
        'postgres',
        'prometheus',
        'redis',
      ].sort(),
    );
  });

  it('gives every long-running service a healthcheck', () => {
    for (const [name, service] of Object.entries(services)) {
      if (name === 'migrations') continue;
      expect({ name, test: service.healthcheck?.test?.length > 1 }).toEqual({ name, test: true });
    }
    expect(services.postgres.healthcheck.test.join(' ')).toMatch(/pg_isready/);
    expect(services.redis.healthcheck.test.join(' ')).toMatch(/redis-cli.*ping/);
    expect(services.api.healthcheck.test.join(' ')).toMatch(/\/health\/ready/);
  });

  it('starts the API only after healthy dependencies and successful migrations', () => {
    expect(services.migrations.depends_on).toEqual({
      postgres: { condition: 'service_healthy' },
    });
    expect(services.migrations.command).toEqual(['node', 'dist/libs/database/src/cli.js', 'run']);
    expect(services.migrations.restart).toBe('no');
    expect(services.api.depends_on).toEqual({
      postgres: { condition: 'service_healthy' },
      redis: { condition: 'service_healthy' },
      migrations: { condition: 'service_completed_successfully' },
    });
    expect(services.prometheus.depends_on.api).toEqual({ condition: 'service_healthy' });
    expect(services.grafana.depends_on).toEqual({
      prometheus: { condition: 'service_healthy' },
      loki: { condition: 'service_healthy' },
      jaeger: { condition: 'service_healthy' },
    });
    expect(services.alloy.depends_on).toEqual({ loki: { condition: 'service_healthy' } });
    for (const service of Object.values(services)) {
      for (const dependency of Object.keys(service.depends_on ?? {}))
        expect(Object.keys(services)).toContain(dependency);
    }
  });

  it('lets `docker compose up --wait` finish: every one-shot service is awaited to completion', () => {
    const oneShots = Object.entries(services)
      .filter(([, service]) => !service.healthcheck)
      .map(([name]) => name);
    expect(oneShots).toEqual(['migrations']);
    for (const name of oneShots) {
      const adopters = Object.values(services).filter(
        (s: any) => s.depends_on?.[name]?.condition === 'service_completed_successfully',
      );
      expect(adopters.length).toBeGreaterThan(0);
    }
  });

  it('builds the API and the migrations from the Dockerfile and runs them as in the chart', () => {
    for (const name of ['api', 'migrations']) {
      expect(services[name].build).toBe('.');
      expect(services[name].image).toBe('content-blocks-api:local');
      expect(services[name].read_only).toBe(true);
      expect(services[name].tmpfs).toEqual(['/tmp']);
      const env = services[name].environment;
      expect(env.NODE_ENV).toBe('production');
      expect(env.DATABASE_URL).toMatch(/^postgresql:\/\/.+@postgres:5432\//);
      expect(env.REDIS_URL).toBe('redis://redis:6379');
      expect(env.JWT_SECRET).toMatch(/^\$\{JWT_SECRET:\?/); // required: compose refuses to start without it
    }
    expect(services.api.ports).toEqual(['127.0.0.1:3000:3000']);
    for (const name of ['api', 'migrations']) {
      expect(services[name].cap_drop).toEqual(['ALL']);
      expect(services[name].security_opt).toEqual(['no-new-privileges:true']);
    }
  });

  it('pins every image to a version', () => {
    for (const [name, service] of Object.entries(services)) {
      if (service.build) continue;
      expect({ name, image: service.image }).toEqual({
        name,
        image: expect.stringMatching(/^[\w./-]+:v?\d+\.\d+(\.\d+)?[\w.-]*$/),
      });
    }
  });

  it('mounts files that exist, and the chart files/ copies of the rules and the dashboard', () => {
    const binds = Object.values(services).flatMap((service: any) =>
      (service.volumes ?? [])
        .filter((v: string) => v.startsWith('./'))
        .map((v: string) => v.split(':')),
    );
    expect(binds.length).toBeGreaterThanOrEqual(5);
    for (const [source] of binds) expect(existsSync(join(ROOT, source))).toBe(true);
    const sources = binds.map(([source]: string[]) => source);
    expect(sources).toContain('./helm/content-blocks/files/alert-rules.yaml');
    expect(sources).toContain('./helm/content-blocks/files/grafana-dashboard.json');
    for (const [, , mode] of binds) expect(mode).toBe('ro');
    for (const volume of Object.values(services).flatMap((s: any) => s.volumes ?? [])) {
      const source = String(volume).split(':')[0];
      // The one host path: the log agent reads container logs through the Docker engine.
      if (source === '/var/run/docker.sock') expect(volume).toMatch(/:ro$/);
      else if (!source.startsWith('./')) expect(Object.keys(compose.volumes)).toContain(source);
    }
    const hostPaths = Object.entries(services).flatMap(([name, s]: [string, any]) =>
      (s.volumes ?? []).filter((v: string) => v.startsWith('/')).map(() => name),
    );
    expect(hostPaths).toEqual(['alloy']);
  });

  it('keeps one copy of the dashboard and of the alert rules in the repository', () => {
    const found: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        if (['node_modules', '.git', 'dist', '.data', 'coverage'].includes(entry.name)) continue;
        const full = join(dir, entry.name);
        if (entry.isDirectory()) walk(full);
        else if (/dashboard.*\.json$|alert.*rules.*\.ya?ml$/.test(entry.name))
          found.push(relative(ROOT, full));
      }
    };
    walk(ROOT);
    expect(found.sort()).toEqual([
      'helm/content-blocks/files/alert-rules.test.yaml',
      'helm/content-blocks/files/alert-rules.yaml',
      'helm/content-blocks/files/grafana-dashboard.json',
    ]);
    expect(existsSync(join(CHART_FILES, 'alert-rules.yaml'))).toBe(true);
  });

  it('wires Prometheus to the API, the rules and Alertmanager', () => {
    const rulesMount = services.prometheus.volumes
      .find((v: string) => v.includes('alert-rules.yaml'))
      .split(':')[1];
    const pattern = new RegExp(
      `^${prometheus.rule_files[0].replace(/[.]/g, '\\.').replace('*', '[^/]*')}$`,
    );
    expect(rulesMount).toMatch(pattern);
    const job = prometheus.scrape_configs.find((c: any) => c.job_name === 'content-blocks');
    expect(job.metrics_path).toBe('/metrics');
    expect(job.static_configs[0].targets).toEqual(['api:3000']);
    expect(prometheus.alerting.alertmanagers[0].static_configs[0].targets).toEqual([
      'alertmanager:9093',
    ]);
    expect(services.prometheus.command).toContain('--config.file=/etc/prometheus/prometheus.yml');
  });

  it('provisions the Grafana datasource and the mounted dashboard', () => {
    const provisioning = join(ROOT, 'deploy/grafana/provisioning');
    const datasource = parse(
      readFileSync(join(provisioning, 'datasources/prometheus.yml'), 'utf8'),
    );
    expect(datasource.datasources[0]).toMatchObject({
      type: 'prometheus',
      url: 'http://prometheus:9090',
      isDefault: true,
    });
    const dashboards = parse(
      readFileSync(join(provisioning, 'dashboards/content-blocks.yml'), 'utf8'),
    );
    const dashboardMount = services.grafana.volumes
      .find((v: string) => v.includes('grafana-dashboard.json'))
      .split(':')[1];
    expect(dashboardMount.startsWith(`${dashboards.providers[0].options.path}/`)).toBe(true);
    expect(services.grafana.volumes).toContain(
      './deploy/grafana/provisioning:/etc/grafana/provisioning:ro',
    );
  });

  it('sends the API traces to Jaeger over OTLP/HTTP and publishes the Jaeger UI', () => {
    expect(services.api.environment.OTEL_EXPORTER_OTLP_ENDPOINT).toBe(
      '${OTEL_EXPORTER_OTLP_ENDPOINT:-http://jaeger:4318}',
    );
    expect(services.api.environment.OTEL_SERVICE_NAME).toMatch(/^\$\{OTEL_SERVICE_NAME:-/);
    expect(services.jaeger.image).toMatch(/^jaegertracing\/jaeger:2\./);
    expect(services.jaeger.ports).toEqual(['127.0.0.1:16686:16686']);
    // The API never waits for the tracing backend: spans are dropped while it is away.
    expect(services.api.depends_on.jaeger).toBeUndefined();
  });

  it('ships the API JSON lines to Loki through Alloy, with bounded labels', () => {
    const loki = parse(readFileSync(join(ROOT, 'deploy/loki/config.yaml'), 'utf8'));
    expect(loki.auth_enabled).toBe(false);
    expect(loki.server.http_listen_port).toBe(3100);
    expect(loki.schema_config.configs[0]).toMatchObject({ store: 'tsdb', schema: 'v13' });
    expect(loki.limits_config.retention_period).toMatch(/^\d+h$/);
    expect(services.loki.command).toEqual(['-config.file=/etc/loki/config.yaml']);
    expect(services.loki.volumes).toContain('./deploy/loki/config.yaml:/etc/loki/config.yaml:ro');
    expect(services.loki.healthcheck.test.join(' ')).toContain('3100/ready');

    // Alloy's own syntax has no parser on npm: check the statements compose relies on.
    const alloy = readFileSync(join(ROOT, 'deploy/alloy/config.alloy'), 'utf8');
    expect(services.alloy.command).toContain('/etc/alloy/config.alloy');
    expect(services.alloy.volumes).toContain(
      './deploy/alloy/config.alloy:/etc/alloy/config.alloy:ro',
    );
    expect(alloy).toContain('values = ["com.docker.compose.project=content-blocks"]');
    expect(alloy).toContain(`project=${parse(composeText).name}`);
    expect(alloy).toMatch(/regex\s*= "api\|migrations"/);
    expect(alloy).toContain('url = "http://loki:3100/loki/api/v1/push"');
    const labels = /stage\.labels \{\s*values = \{([^}]*)\}/.exec(alloy)![1];
    expect(labels.split(',').map((l) => l.split('=')[0].trim())).toEqual(['level', 'context']);
    // Ids are unbounded: as labels they would give Loki a stream per request.
    expect(alloy).not.toMatch(/^\s*(requestId|traceId|userId|tenantId)\s*=/m);
    // Every block opened is closed (a cheap guard against a truncated file).
    expect(alloy.split('{').length).toBe(alloy.split('}').length);
  });

  it('provisions Loki (linking trace ids to Jaeger) and Jaeger as Grafana data sources', () => {
    const dir = join(ROOT, 'deploy/grafana/provisioning/datasources');
    const loki = parse(readFileSync(join(dir, 'loki.yml'), 'utf8')).datasources[0];
    const jaeger = parse(readFileSync(join(dir, 'jaeger.yml'), 'utf8')).datasources[0];
    expect(loki).toMatchObject({ type: 'loki', uid: 'loki', url: 'http://loki:3100' });
    expect(jaeger).toMatchObject({ type: 'jaeger', uid: 'jaeger', url: 'http://jaeger:16686' });
    const [link] = loki.jsonData.derivedFields;
    expect(link.datasourceUid).toBe(jaeger.uid);
    const traceId = new RegExp(link.matcherRegex).exec(
      JSON.stringify({ level: 'info', traceId: '4bf92f3577b34da6a3ce929d0e0e4736' }),
    );
    expect(traceId?.[1]).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(link.url).toBe('$${__value.raw}');
  });

  it('takes its secrets from .env, and .env.example lists every variable it reads', () => {
    const example = readFileSync(join(ROOT, '.env.example'), 'utf8');
    const listed = new Set([...example.matchAll(/^([A-Z_][A-Z0-9_]*)=/gm)].map((m) => m[1]));
    const used = new Set([...composeText.matchAll(/\$\{([A-Z_][A-Z0-9_]*)/g)].map((m) => m[1]));
    expect(used.size).toBeGreaterThan(5);
    expect([...used].filter((name) => !listed.has(name))).toEqual([]);
    for (const secret of ['POSTGRES_PASSWORD', 'JWT_SECRET', 'GRAFANA_ADMIN_PASSWORD'])
      expect(composeText).toContain(`\${${secret}:?`);
  });
});

describe('docker-compose.prod.yml over docker-compose.yml', () => {
  const prodText = readFileSync(join(ROOT, 'docker-compose.prod.yml'), 'utf8');
  const prod = parse(prodText, { merge: true }) as { name: string; services: Record<string, any> };
  const mib = (size: string): number => {
    const m = /^(\d+)([mg])$/.exec(size)!;
    return Number(m[1]) * (m[2] === 'g' ? 1024 : 1);
  };

  it('overrides services of the base file only, under the same project name', () => {
    expect(prod.name).toBe(parse(composeText).name);
    for (const name of Object.keys(prod.services)) expect(Object.keys(services)).toContain(name);
  });

  it('pulls the released image for the API and the migrations instead of building', () => {
    for (const name of ['api', 'migrations']) {
      expect(prod.services[name].image).toMatch(/^\$\{API_IMAGE:\?/);
      expect(prod.services[name].pull_policy).toBe('always');
    }
  });

  it('caps the V8 heap well below the container memory limit', () => {
    for (const name of ['api', 'migrations']) {
      const limit = mib(prod.services[name].mem_limit);
      const options = String(prod.services[name].environment.NODE_OPTIONS);
      const oldSpace = /--max-old-space-size=(?:\$\{API_MAX_OLD_SPACE_MB:-)?(\d+)/.exec(options)!;
      expect(Number(oldSpace[1])).toBeLessThanOrEqual(limit * 0.65);
    }
    const redis = prod.services.redis.command as string[];
    expect(mib(redis[redis.indexOf('--maxmemory') + 1].replace('mb', 'm'))).toBeLessThan(
      mib(prod.services.redis.mem_limit),
    );
  });

  it('requires the proxy and CORS settings and rotates container logs', () => {
    expect(prod.services.api.environment.TRUST_PROXY).toMatch(/^\$\{TRUST_PROXY:\?/);
    expect(prod.services.api.environment.CORS_ORIGINS).toMatch(/^\$\{CORS_ORIGINS:\?/);
    for (const name of ['api', 'migrations', 'postgres'])
      expect(prod.services[name].logging).toEqual({
        driver: 'json-file',
        options: { 'max-size': expect.stringMatching(/^\d+m$/), 'max-file': expect.any(String) },
      });
  });

  it('.env.production.example lists every variable the two files read', () => {
    const example = readFileSync(join(ROOT, '.env.production.example'), 'utf8');
    const listed = new Set([...example.matchAll(/^([A-Z_][A-Z0-9_]*)=/gm)].map((m) => m[1]));
    const used = new Set(
      [...`${composeText}\n${prodText}`.matchAll(/\$\{([A-Z_][A-Z0-9_]*)/g)].map((m) => m[1]),
    );
    expect([...used].filter((name) => !listed.has(name))).toEqual([]);
    // Secrets ship empty: the example must never carry a usable value.
    for (const secret of [
      'JWT_SECRET',
      'POSTGRES_PASSWORD',
      'GRAFANA_ADMIN_PASSWORD',
      'ADMIN_PASSWORD',
    ])
      expect(example).toMatch(new RegExp(`^${secret}=$`, 'm'));
  });
});

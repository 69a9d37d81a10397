import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { CHART_DIR, ROOT } from './tools';

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Job {
  if?: string;
  needs?: string | string[];
  environment?: string;
  permissions: Record<string, string>;
  concurrency?: { group: string; 'cancel-in-progress': boolean };
  steps: Step[];
}

const workflow = parse(readFileSync(join(ROOT, '.github/workflows/release.yml'), 'utf8')) as {
  on: { push: { tags: string[] }; workflow_dispatch: { inputs: Record<string, unknown> } };
  permissions: Record<string, string>;
  concurrency: { group: string; 'cancel-in-progress': boolean };
  jobs: Record<string, Job>;
};
const { jobs } = workflow;
const step = (job: string, uses: string): Step => {
  const found = jobs[job].steps.find((s) => s.uses?.startsWith(`${uses}@`));
  if (!found) throw new Error(`${job} has no ${uses} step`);
  return found;
};
const scripts = (job: string): string => jobs[job].steps.map((s) => s.run ?? '').join('\n');

describe('.github/workflows/release.yml', () => {
  it('releases on version tags and deploys to staging only when run by hand', () => {
    expect(Object.keys(workflow.on).sort()).toEqual(['push', 'workflow_dispatch']);
    expect(workflow.on.push).toEqual({ tags: ['v*.*.*'] });
    expect(Object.keys(workflow.on.workflow_dispatch.inputs)).toEqual(['version']);
    for (const job of ['image', 'chart', 'github-release'])
      expect(jobs[job].if).toBe("github.event_name == 'push'");
    expect(jobs['deploy-staging'].if).toBe("github.event_name == 'workflow_dispatch'");
    expect(jobs['deploy-staging'].environment).toBe('staging');
  });

  it('grants nothing by default and each job only what it uses', () => {
    expect(workflow.permissions).toEqual({});
    expect(jobs.image.permissions).toEqual({
      contents: 'read',
      packages: 'write',
      'id-token': 'write',
    });
    expect(jobs.chart.permissions).toEqual({
      contents: 'read',
      packages: 'write',
      'id-token': 'write',
    });
    expect(jobs['github-release'].permissions).toEqual({ contents: 'write' });
    expect(jobs['deploy-staging'].permissions).toEqual({ contents: 'read', packages: 'read' });
  });

  it('pins every action to a full commit SHA and never cancels a release halfway', () => {
    for (const [name, job] of Object.entries(jobs))
      for (const s of job.steps.filter((x) => x.uses))
        expect(`${name}: ${s.uses}`).toMatch(/^[\w-]+: [\w-]+\/[\w-]+@[0-9a-f]{40}$/);
    expect(workflow.concurrency).toEqual({
      group: 'release-${{ github.ref }}',
      'cancel-in-progress': false,
    });
    expect(jobs['deploy-staging'].concurrency).toEqual({
      group: 'deploy-staging',
      'cancel-in-progress': false,
    });
  });

  it('builds the image for amd64 and arm64 with SBOM and provenance and pushes it', () => {
    expect(step('image', 'docker/setup-qemu-action').with?.platforms).toBe('arm64');
    step('image', 'docker/setup-buildx-action');
    expect(step('image', 'docker/login-action').with?.registry).toBe('ghcr.io');
    const build = step('image', 'docker/build-push-action').with!;
    expect(build.platforms).toBe('linux/amd64,linux/arm64');
    expect(build.push).toBe(true);
    expect(build.sbom).toBe(true);
    expect(build.provenance).toBe('mode=max');
    expect(build.context).toBe('.');
  });

  it('signs the pushed digest with cosign keyless and checks the signature', () => {
    step('image', 'sigstore/cosign-installer');
    const sign = jobs.image.steps.find((s) => s.run?.includes('cosign sign'))!;
    expect(sign.env?.IMAGE).toBe(
      '${{ steps.names.outputs.image }}@${{ steps.build.outputs.digest }}',
    );
    expect(sign.run).toMatch(/cosign sign --yes --recursive "\$IMAGE"/);
    expect(sign.run).not.toMatch(/--key\b/);
    expect(sign.run).toContain('cosign verify "$IMAGE"');
    expect(sign.run).toContain('https://token.actions.githubusercontent.com');
  });

  it('packages the chart with the version from the tag, pushes it to GHCR as OCI and signs it', () => {
    expect(jobs.chart.needs).toBe('image');
    const text = scripts('chart');
    expect(text).toContain('version="${GITHUB_REF_NAME#v}"');
    expect(text).toContain(
      'helm package helm/content-blocks --version "$version" --app-version "$version"',
    );
    expect(text).toMatch(/helm push "chart-package\/content-blocks-\$\{version\}\.tgz" "oci:\/\//);
    expect(text).toContain('repo="ghcr.io/${GITHUB_REPOSITORY_OWNER,,}/charts"');
    expect(text).toContain('cosign sign --yes "${repo}/content-blocks@${digest}"');
    // What the chart is packaged from.
    expect(parse(readFileSync(join(CHART_DIR, 'Chart.yaml'), 'utf8')).name).toBe('content-blocks');
  });

  it('creates the GitHub release with the chart package attached', () => {
    expect(jobs['github-release'].needs).toEqual(['image', 'chart']);
    expect(step('github-release', 'actions/download-artifact').with?.name).toBe('chart');
    expect(step('chart', 'actions/upload-artifact').with?.name).toBe('chart');
    expect(scripts('github-release')).toMatch(
      /gh release create "\$GITHUB_REF_NAME" chart-package\/\*\.tgz/,
    );
  });

  it('deploys to staging atomically, verifies the signature first and runs helm test', () => {
    const text = scripts('deploy-staging');
    expect(text).toMatch(/\^\[0-9\]\+\\\.\[0-9\]\+\\\.\[0-9\]\+\$/);
    const verify = text.indexOf('cosign verify');
    const upgrade = text.indexOf('helm upgrade --install content-blocks');
    expect(verify).toBeGreaterThan(-1);
    expect(upgrade).toBeGreaterThan(verify);
    expect(text).toContain('--atomic --wait');
    expect(text.indexOf('helm test content-blocks')).toBeGreaterThan(upgrade);
    // The input reaches the scripts only through the environment, never spliced into them.
    expect(text).not.toContain('${{');
    expect(text).toContain('--version "$VERSION"');
  });
});

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DockerfileParser, type Instruction } from 'dockerfile-ast';
import { loadConfig } from '@app/config';
import { ROOT } from './tools';

// `docker build` cannot run here (no engine): the Dockerfile is parsed and held to hadolint-style
// rules, and every path and script it relies on is checked against the repository.
const text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const dockerfile = DockerfileParser.parse(text);
const instructions = dockerfile.getInstructions();
const args = Object.fromEntries(
  dockerfile.getInitialARGs().map((arg) => {
    const property = arg.getProperty();
    return [property?.getName() ?? '', property?.getValue() ?? ''];
  }),
);

interface Stage {
  name: string;
  image: string;
  instructions: Instruction[];
}
const stages: Stage[] = [];
for (const instruction of instructions) {
  const keyword = instruction.getKeyword();
  if (keyword === 'FROM') {
    const [imageArg, , alias] = instruction.getArguments().map((a) => a.getValue());
    const image = imageArg.replace(/^\$\{?(\w+)\}?$/, (_m, name: string) => args[name] ?? '');
    stages.push({ name: alias ?? String(stages.length), image, instructions: [] });
  } else if (stages.length) {
    stages.at(-1)!.instructions.push(instruction);
  }
}
const runtime = stages.at(-1)!;
const of = (stage: Stage, keyword: string) =>
  stage.instructions.filter((i) => i.getKeyword() === keyword);
const argsText = (instruction: Instruction) => instruction.getArgumentsContent() ?? '';
const lines = text.split('\n');
/** The instruction as written, flags included, continuation lines joined. */
const fullText = (instruction: Instruction) => {
  const { start, end } = instruction.getRange();
  return lines
    .slice(start.line, end.line + 1)
    .map((l) => l.replace(/\\$/, '').trim())
    .join(' ');
};
const jsonArgs = (instruction: Instruction) => JSON.parse(argsText(instruction)) as string[];

describe('Dockerfile', () => {
  it('parses into known instructions only', () => {
    const known = new Set([
      'FROM',
      'ARG',
      'ENV',
      'WORKDIR',
      'COPY',
      'RUN',
      'USER',
      'EXPOSE',
      'HEALTHCHECK',
      'ENTRYPOINT',
      'CMD',
      'LABEL',
    ]);
    expect(instructions.length).toBeGreaterThan(10);
    for (const instruction of instructions) expect(known).toContain(instruction.getKeyword());
    expect(text).not.toMatch(/^\s*ADD\s/m); // DL3020: COPY, not ADD
    expect(dockerfile.getDirective()?.getValue()).toMatch(/^docker\/dockerfile:1/);
  });

  it('builds in stages and runs on a pinned slim base, never :latest', () => {
    expect(stages.map((s) => s.name)).toEqual(['build', 'deps', 'runtime']);
    for (const stage of stages) {
      expect(stage.image).toMatch(/^node:\d+\.\d+\.\d+-[a-z]+-slim$/); // DL3006/DL3007
      expect(stage.image).not.toMatch(/latest/);
    }
    // The same Node major as package.json engines and CI.
    const engines = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).engines.node;
    expect(engines).toContain(`^${/^node:(\d+)\./.exec(runtime.image)![1]}.`);
  });

  it('compiles in the build stage and installs production dependencies only for the runtime', () => {
    const buildRuns = of(stages[0], 'RUN').map(argsText).join('\n');
    // The same install verb as .ci/run (which explains why it is not `npm ci`).
    const ciInstall = /^npm (ci|install)\b/m.exec(readFileSync(join(ROOT, '.ci/run'), 'utf8'))![1];
    expect(buildRuns).toMatch(new RegExp(`npm ${ciInstall} `));
    expect(buildRuns).toMatch(/npm run build/);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.scripts.build).toBeDefined();
    const depsRuns = of(stages[1], 'RUN').map(argsText).join('\n');
    expect(depsRuns).toMatch(new RegExp(`npm ${ciInstall} --omit=dev`));
    // npm 11 blocks unapproved install scripts; none is needed in production.
    expect(depsRuns).toMatch(/--ignore-scripts/);
    const copies = of(runtime, 'COPY').map(fullText);
    expect(copies).toContainEqual(expect.stringMatching(/--from=deps .*\/app\/node_modules/));
    expect(copies).toContainEqual(expect.stringMatching(/--from=build .*\/app\/dist/));
    expect(runtime.instructions.map(argsText).join('\n')).not.toMatch(/npm (ci|install)/);
    // Installs follow the lock file.
    expect(of(stages[1], 'COPY').map(argsText)).toContain('package.json package-lock.json ./');
  });

  it('copies with an explicit owner, from stages that exist', () => {
    const names = stages.map((s) => s.name);
    for (const copy of of(runtime, 'COPY')) {
      const flags = Object.fromEntries(
        (copy as unknown as { getFlags(): Array<{ getName(): string; getValue(): string }> })
          .getFlags()
          .map((f) => [f.getName(), f.getValue()]),
      );
      expect(flags.chown).toBeDefined();
      // Owned by root, not by the runtime user: the process cannot rewrite its own code.
      expect(flags.chown).toBe('0:0');
      if (flags.from) expect(names).toContain(flags.from);
    }
  });

  it('runs as a numeric non-root user, after every RUN of the runtime stage', () => {
    const users = of(runtime, 'USER');
    expect(users).toHaveLength(1);
    const user = argsText(users[0]);
    expect(user).toMatch(/^\d+(:\d+)?$/); // numeric: runAsNonRoot can verify it
    expect(Number(user.split(':')[0])).toBeGreaterThan(0);
    const index = (i: Instruction) => runtime.instructions.indexOf(i);
    for (const run of of(runtime, 'RUN')) expect(index(run)).toBeLessThan(index(users[0]));
    // The chart runs the same uid.
    const values = readFileSync(join(ROOT, 'helm/content-blocks/values.yaml'), 'utf8');
    expect(values).toContain(`runAsUser: ${user.split(':')[0]}`);
  });

  it('pins apt packages, skips recommends and cleans the lists (DL3008, DL3015, DL3009)', () => {
    const apt = of(runtime, 'RUN').map(argsText).join('\n');
    expect(apt).toMatch(/apt-get install -y --no-install-recommends/);
    expect(apt).toMatch(/tini=[\w.+~-]+/);
    expect(apt).toMatch(/rm -rf \/var\/lib\/apt\/lists\/\*/);
  });

  it('adds a pinned Chromium for PDF export only behind the WITH_CHROMIUM build argument', () => {
    const declared = of(runtime, 'ARG').map(argsText);
    expect(declared).toEqual(
      expect.arrayContaining([
        'WITH_CHROMIUM=',
        expect.stringMatching(/^CHROMIUM_VERSION=\d[\w.+~-]+$/),
      ]),
    );
    const apt = of(runtime, 'RUN').map(argsText).join('\n');
    // Installed only when the argument is non-empty, and pinned like every apt package (DL3008).
    expect(apt).toMatch(
      /if \[ -n "\$WITH_CHROMIUM" \]; then[\s\\]*apt-get install -y --no-install-recommends "chromium=\$\{CHROMIUM_VERSION\}"/,
    );
    expect(apt).toMatch(/fonts-dejavu-core=[\w.+~-]+/);
    // The app finds it without configuration; without the argument the variable is empty, which
    // the config treats as unset (PDF answers 501 rather than failing to launch a browser).
    const env = of(runtime, 'ENV').map(argsText).join(' ');
    expect(env).toContain('PDF_CHROMIUM_PATH=${WITH_CHROMIUM:+/usr/bin/chromium}');
    expect(loadConfig({ PDF_CHROMIUM_PATH: '' }).exports.pdfChromiumPath).toBeUndefined();
  });

  it('starts Node under tini, so SIGTERM reaches the app and zombies are reaped', () => {
    const [entrypoint] = of(runtime, 'ENTRYPOINT');
    expect(jsonArgs(entrypoint)).toEqual(['/usr/bin/tini', '--', '/app/docker/entrypoint.sh']);
    // The heap-sizing entrypoint and its helper are copied to where ENTRYPOINT finds them.
    const [scripts] = of(runtime, 'COPY').filter((c) => argsText(c).includes('entrypoint.sh'));
    expect(fullText(scripts)).toBe(
      'COPY --chown=0:0 --chmod=0555 deploy/docker/entrypoint.sh deploy/docker/heap-options.sh ./docker/',
    );
    const [cmd] = of(runtime, 'CMD');
    expect(jsonArgs(cmd)).toEqual(['node', 'dist/apps/api/src/main.js']);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.scripts.start).toBe('node dist/apps/api/src/main.js');
    // The chart's and compose's migration command points at a compiled source that exists.
    expect(existsSync(join(ROOT, 'libs/database/src/cli.ts'))).toBe(true);
  });

  it('checks /health/live with what the slim image has (node, no curl)', () => {
    const healthchecks = of(runtime, 'HEALTHCHECK');
    expect(healthchecks).toHaveLength(1);
    const content = fullText(healthchecks[0]);
    expect(content).toMatch(/--interval=\d+s/);
    expect(content).toMatch(/CMD \["node", "-e", ".*\/health\/live/);
    expect(content).not.toMatch(/curl|wget/);
  });

  it('is production by default and exposes the port the app listens on', () => {
    const env = of(runtime, 'ENV').map(argsText).join(' ');
    expect(env).toMatch(/NODE_ENV=production/);
    expect(env).toMatch(/PORT=3000/);
    expect(of(runtime, 'EXPOSE').map(argsText)).toEqual(['3000']);
    for (const workdir of instructions.filter((i) => i.getKeyword() === 'WORKDIR'))
      expect(argsText(workdir)).toMatch(/^\//); // DL3000
  });

  it('sends only sources and manifests into the build context', () => {
    const ignore = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    expect(ignore[0]).toBe('**'); // everything excluded, then an allow-list
    const allowed = ignore.filter((l) => l.startsWith('!')).map((l) => l.slice(1));
    for (const secret of ['.env', '.git', 'node_modules', 'dist', '.data'])
      expect(allowed.some((a) => a.startsWith(secret))).toBe(false);
    const copiedFromContext = of(stages[0], 'COPY')
      .concat(of(stages[1], 'COPY'))
      .concat(of(runtime, 'COPY').filter((c) => !fullText(c).includes('--from=')))
      .flatMap((c) => c.getArguments().map((a) => a.getValue()))
      .filter((a) => !a.startsWith('--') && !a.startsWith('./') && a !== '.');
    for (const path of copiedFromContext) {
      expect(existsSync(join(ROOT, path))).toBe(true);
      expect(
        allowed.some(
          (a) =>
            a === path ||
            a === `${path}/**` ||
            (a.endsWith('/*.sh') && dirname(path) === a.slice(0, -5)),
        ),
      ).toBe(true);
    }
  });
});

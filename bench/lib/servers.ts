import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { BenchArgs } from './args';
import { ServerProcess } from './processes';
import { API_VARIANTS, type ApiVariant, type ServerName, semiSpaceOf } from './scenarios';

export const ROOT = resolve(__dirname, '..', '..', '..');
export const DIST = join(ROOT, 'dist');
export const JWT_SECRET = 'bench-secret-that-is-long-enough-for-hs256-0123456789';

/** What every part of one bench run shares. */
export interface BenchContext {
  args: BenchArgs;
  workDir: string;
  databaseUrl: string;
  /** CPUs for the servers under test, when pinned. */
  serverCpus?: string;
  stamp: string;
}

export function apiEnv(
  ctx: BenchContext,
  port: number,
  extra: Record<string, string>,
): Record<string, string> {
  return {
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(port),
    DATABASE_URL: ctx.databaseUrl,
    DATA_DIR: join(ctx.workDir, 'data'),
    JWT_SECRET,
    LOG_LEVEL: ctx.args.logLevel,
    ACCESS_TOKEN_TTL: '12h',
    // Limits would distort the runs: the bench measures the work, not the throttle.
    RATE_LIMIT_PER_MINUTE: '1000000000',
    RATE_LIMIT_AUTH_PER_MINUTE: '1000000000',
    LOGIN_MAX_FAILURES: '1000000000',
    SHUTDOWN_TIMEOUT_MS: '15000',
    ...extra,
  };
}

/**
 * The V8 flags the image's entrypoint puts into NODE_OPTIONS for a memory limit: the shipped
 * script itself, so the bench measures the shipped configuration.
 */
export function heapOptions(memoryLimitMiB: number, semiSpaceMiB?: number): string {
  const options = execFileSync(
    '/bin/sh',
    [join(ROOT, 'deploy', 'docker', 'heap-options.sh'), String(memoryLimitMiB * 1024 * 1024)],
    { encoding: 'utf8' },
  ).trim();
  return semiSpaceMiB === undefined
    ? options
    : options.replace(/--max-semi-space-size=\d+/, `--max-semi-space-size=${semiSpaceMiB}`);
}

export const apiScript = (): string => join(DIST, 'apps', 'api', 'src', 'main.js');

/** Starts an anchor or an API variant on a port, with its log in the run's scratch directory. */
export async function startServer(
  ctx: BenchContext,
  name: ServerName,
  port: number,
): Promise<ServerProcess> {
  const logFile = join(ctx.workDir, `${name}.log`);
  if (name === 'anchor-hello' || name === 'anchor-pg') {
    return ServerProcess.start({
      name,
      script: join(DIST, 'bench', 'servers', name === 'anchor-hello' ? 'hello.js' : 'pg-read.js'),
      env: { PORT: String(port), DATABASE_URL: ctx.databaseUrl },
      cpus: ctx.serverCpus,
      logFile,
      readyUrl: `http://127.0.0.1:${port}/${name === 'anchor-hello' ? '' : 'ready'}`,
    });
  }
  const profileDir = resolve(ROOT, ctx.args.outDir, 'profiles');
  if (ctx.args.cpuProf) mkdirSync(profileDir, { recursive: true });
  return ServerProcess.start({
    name,
    script: apiScript(),
    nodeFlags: [
      '-r',
      join(DIST, 'bench', 'servers', 'memory-probe.js'),
      // Only the probe calls gc(), and only when the bench asks it for the post-GC floor.
      '--expose-gc',
      ...(ctx.args.cpuProf
        ? [
            '--cpu-prof',
            `--cpu-prof-dir=${profileDir}`,
            `--cpu-prof-name=${ctx.stamp}-${name}.cpuprofile`,
          ]
        : []),
    ],
    env: {
      ...apiEnv(ctx, port, semiSpaceOf(name) === undefined ? API_VARIANTS[name as ApiVariant] : {}),
      NODE_OPTIONS: heapOptions(ctx.args.memoryLimitMiB, semiSpaceOf(name)),
    },
    cpus: ctx.serverCpus,
    logFile,
    readyUrl: `http://127.0.0.1:${port}/health/ready`,
  });
}

import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { BenchArgs } from './args';
import { ServerProcess } from './processes';
import { API_VARIANTS, type ServerName } from './scenarios';

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
      ...(ctx.args.cpuProf
        ? [
            '--cpu-prof',
            `--cpu-prof-dir=${profileDir}`,
            `--cpu-prof-name=${ctx.stamp}-${name}.cpuprofile`,
          ]
        : []),
    ],
    env: apiEnv(ctx, port, API_VARIANTS[name]),
    cpus: ctx.serverCpus,
    logFile,
    readyUrl: `http://127.0.0.1:${port}/health/ready`,
  });
}

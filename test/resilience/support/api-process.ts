import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '@app/database';
import { HttpClient } from '../../support/http-client';

export const ROOT = resolve(__dirname, '..', '..', '..');
const MAIN = join(ROOT, 'dist', 'apps', 'api', 'src', 'main.js');
const CLI = join(ROOT, 'dist', 'libs', 'database', 'src', 'cli.js');
export const RESILIENCE_JWT_SECRET = 'resilience-secret-that-is-long-enough-for-hs256-0123';

function assertBuilt(): void {
  if (!existsSync(MAIN)) {
    throw new Error(
      'dist/apps/api/src/main.js is missing: run `npm run build` (npm run test:resilience does)',
    );
  }
}

/** Runs the migration CLI of the build against a database, as the Helm Job does. */
export function migrate(databaseUrl: string): void {
  assertBuilt();
  const result = spawnSync(process.execPath, [CLI, 'run'], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      NODE_ENV: 'production',
      JWT_SECRET: RESILIENCE_JWT_SECRET,
      LOG_LEVEL: 'warn',
    },
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`migrations failed: ${result.stderr}${result.stdout}`);
}

/** The built API (`node dist/apps/api/src/main.js`) in production mode, in a child process. */
export class ApiProcess {
  readonly logs: Array<Record<string, unknown>> = [];
  readonly output: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly http: HttpClient;

  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
  ) {
    this.http = new HttpClient(`http://127.0.0.1:${port}`);
    this.exited = new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })));
    let buffer = '';
    const onData = (chunk: Buffer): void => {
      buffer += chunk.toString('utf8');
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        if (!line.trim()) continue;
        this.output.push(line);
        if (this.output.length > 2000) this.output.shift();
        try {
          this.logs.push(JSON.parse(line) as Record<string, unknown>);
          if (this.logs.length > 5000) this.logs.shift();
        } catch {
          // the human-readable banner on stderr
        }
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
  }

  get baseUrl(): string {
    return this.http.baseUrl;
  }

  static async start(
    databaseUrl: string,
    env: Record<string, string> = {},
    nodeArgs: string[] = [],
  ): Promise<ApiProcess> {
    assertBuilt();
    const port = await freePort();
    const dataDir = mkdtempSync(join(tmpdir(), 'cb-resilience-data-'));
    const child = spawn(process.execPath, [...nodeArgs, MAIN], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'production',
        HOST: '127.0.0.1',
        PORT: String(port),
        DATABASE_URL: databaseUrl,
        DATA_DIR: dataDir,
        JWT_SECRET: RESILIENCE_JWT_SECRET,
        LOG_LEVEL: 'warn',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Each start gets its own directory; it goes when the process does, however it ends.
    child.once('exit', () => rmSync(dataDir, { recursive: true, force: true }));
    const api = new ApiProcess(child, port);
    await api.waitFor(async () => (await api.http.get('/health/ready')).status === 200, 60_000);
    return api;
  }

  /** Polls until `check` is true; throws with the recent output after `timeoutMs`. */
  async waitFor(
    check: () => Promise<boolean>,
    timeoutMs: number,
    intervalMs = 100,
  ): Promise<number> {
    const started = Date.now();
    let exited = false;
    void this.exited.then(() => (exited = true));
    while (Date.now() - started < timeoutMs) {
      if (exited) break;
      try {
        if (await check()) return Date.now() - started;
      } catch {
        // not yet
      }
      await new Promise((r) => setTimeout(r, intervalMs));
    }
    throw new Error(
      `condition not met within ${timeoutMs} ms${exited ? ' (the API exited)' : ''}; last output:\n${this.output.slice(-15).join('\n')}`,
    );
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 30_000);
    await this.exited;
    clearTimeout(timer);
  }
}

import { type ChildProcess, spawn } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';

export interface ServerOptions {
  name: string;
  /** Node script to run (compiled JS). */
  script: string;
  env: Record<string, string>;
  /** Extra node flags, e.g. `--cpu-prof`. */
  nodeFlags?: string[];
  /** CPU list for `taskset -c`, or undefined to leave scheduling to the kernel. */
  cpus?: string;
  /** Where stdout and stderr go. */
  logFile: string;
  /** Polled until it answers 200. */
  readyUrl: string;
  readyTimeoutMs?: number;
}

export interface MemorySample {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  /** Whether a full collection ran just before (`memory({ gc: true })` on an `--expose-gc` API). */
  collected: boolean;
  /** With `detail`: V8 heap space sizes (bytes) and loaded CommonJS modules per package. */
  heapSpaces?: Record<string, number>;
  modules?: Record<string, number>;
}

/** Servers started and not yet exited, so an interrupted run can stop them. */
const running = new Set<ServerProcess>();

/** Stops every server still running (an interrupted run). */
export async function stopAllServers(): Promise<void> {
  await Promise.all([...running].map((server) => server.stop(5_000)));
}

/** A server under test in its own child process. */
export class ServerProcess {
  private exited: Promise<number | null>;

  private constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    running.add(this);
    this.exited = new Promise((resolve) =>
      child.once('exit', (code) => {
        running.delete(this);
        resolve(code);
      }),
    );
  }

  static async start(options: ServerOptions): Promise<ServerProcess> {
    const out = openSync(options.logFile, 'a');
    const node = [...(options.nodeFlags ?? []), options.script];
    const [command, args] = options.cpus
      ? ['taskset', ['-c', options.cpus, process.execPath, ...node]]
      : [process.execPath, node];
    const child = spawn(command, args, {
      env: { ...process.env, ...options.env },
      stdio: ['ignore', out, out, 'ipc'],
    });
    closeSync(out);
    const server = new ServerProcess(options.name, child);
    await server.waitReady(options.readyUrl, options.readyTimeoutMs ?? 90_000, options.logFile);
    return server;
  }

  get pid(): number {
    return this.child.pid!;
  }

  private async waitReady(url: string, timeoutMs: number, logFile: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let exitCode: number | null | undefined;
    void this.exited.then((code) => (exitCode = code));
    while (Date.now() < deadline) {
      if (exitCode !== undefined) break;
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
        if (response.status === 200) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    const tail = readFileSync(logFile, 'utf8').split('\n').slice(-20).join('\n');
    await this.stop();
    throw new Error(
      `${this.name} did not become ready at ${url} (exit ${String(exitCode)}):\n${tail}`,
    );
  }

  /**
   * RSS from /proc (the whole process) and V8 heap through the memory probe, if preloaded; with
   * `gc`, after a full collection (RSS is read after it too).
   */
  async memory(options: { gc?: boolean; detail?: boolean } = {}): Promise<MemorySample> {
    const fromProbe = await new Promise<Partial<MemorySample> | undefined>((resolve) => {
      if (!this.child.connected) return resolve(undefined);
      const timer = setTimeout(() => {
        this.child.off('message', onMessage);
        resolve(undefined);
      }, 5000);
      const onMessage = (message: { type?: string } & Partial<MemorySample>): void => {
        if (message?.type !== 'memory') return;
        clearTimeout(timer);
        this.child.off('message', onMessage);
        resolve(message);
      };
      this.child.on('message', onMessage);
      this.child.send({
        type: 'memory?',
        gc: options.gc === true,
        detail: options.detail === true,
      });
    });
    return {
      rss: readRss(this.pid),
      heapUsed: fromProbe?.heapUsed ?? NaN,
      heapTotal: fromProbe?.heapTotal ?? NaN,
      external: fromProbe?.external ?? NaN,
      arrayBuffers: fromProbe?.arrayBuffers ?? NaN,
      collected: fromProbe?.collected ?? false,
      heapSpaces: fromProbe?.heapSpaces,
      modules: fromProbe?.modules,
    };
  }

  /** SIGTERM, then SIGKILL after the grace period; resolves with the exit code. */
  async stop(graceMs = 20_000): Promise<number | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.child.exitCode;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** CPU time (user + system, every thread) a process has used so far, in microseconds. */
export function readCpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime, in clock ticks of 10 ms (CLK_TCK 100 on Linux).
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

export function readRss(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /VmRSS:\s+(\d+) kB/.exec(status);
  return match ? Number(match[1]) * 1024 : NaN;
}

/** Pins a running process (and, with `-a`, all its threads) to CPUs; false when not possible. */
export async function pin(pid: number, cpus: string): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn('taskset', ['-a', '-p', '-c', cpus, String(pid)], { stdio: 'ignore' });
    child.once('error', () => resolve(false));
    child.once('exit', (code) => resolve(code === 0));
  });
}

/** Runs a command to completion, failing with its output. */
export async function run(
  command: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0
        ? resolve(output)
        : reject(new Error(`${command} ${args.join(' ')} exited ${code}:\n${output.slice(-4000)}`)),
    );
  });
}

import { spawn } from 'node:child_process';
import { join } from 'node:path';

export interface PgliteServer {
  /** A postgres:// URL; PGlite is one session, so clients must use a pool of one. */
  url: string;
  stop(): Promise<void>;
}

/**
 * PGlite (PostgreSQL compiled to WASM) with the pgvector extension bundled, served over the
 * PostgreSQL wire protocol by a child process: a real PostgreSQL with `vector` where the
 * embedded server has none. One connection at a time.
 */
export async function startPgliteWithVector(timeoutMs = 60_000): Promise<PgliteServer> {
  const child = spawn(process.execPath, [join(__dirname, 'pglite-vector-server.mjs')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('PGlite did not start')), timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const match = /port=(\d{1,5})/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`PGlite exited with ${code}`));
    });
  });
  return {
    url: `postgresql://postgres:postgres@127.0.0.1:${port}/postgres?sslmode=disable`,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

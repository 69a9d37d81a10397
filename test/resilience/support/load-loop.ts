import { Agent, request } from 'node:http';

export interface Outcome {
  /** ms since the loop started, when the answer (or the error) arrived. */
  at: number;
  status?: number;
  error?: string;
  path: string;
}

export interface LoadLoop {
  outcomes: Outcome[];
  startedAt: number;
  /** Resolves when every worker has stopped. */
  stop(): Promise<void>;
}

/**
 * A closed-loop load generator over keep-alive connections that records every outcome,
 * so a test can say exactly which requests were answered, how, and when.
 */
export function startLoadLoop(options: {
  baseUrl: string;
  connections: number;
  next: (
    worker: number,
    n: number,
  ) => { method?: string; path: string; headers?: Record<string, string>; body?: string };
}): LoadLoop {
  const url = new URL(options.baseUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: options.connections });
  const outcomes: Outcome[] = [];
  const startedAt = Date.now();
  let running = true;
  const one = (worker: number, n: number): Promise<void> =>
    new Promise((resolve) => {
      const spec = options.next(worker, n);
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          method: spec.method ?? 'GET',
          path: spec.path,
          agent,
          headers: {
            ...spec.headers,
            ...(spec.body ? { 'content-type': 'application/json' } : {}),
          },
          timeout: 15_000,
        },
        (res) => {
          res.resume();
          res.once('end', () => {
            outcomes.push({ at: Date.now() - startedAt, status: res.statusCode, path: spec.path });
            resolve();
          });
          res.once('error', (error: NodeJS.ErrnoException) => {
            outcomes.push({
              at: Date.now() - startedAt,
              error: error.code ?? error.message,
              path: spec.path,
            });
            resolve();
          });
        },
      );
      req.once('timeout', () => req.destroy(new Error('client timeout')));
      req.once('error', (error: NodeJS.ErrnoException) => {
        outcomes.push({
          at: Date.now() - startedAt,
          error: error.code ?? error.message,
          path: spec.path,
        });
        // Back off a little after a refused connection instead of spinning.
        setTimeout(resolve, 20);
      });
      req.end(spec.body);
    });
  const workers = Array.from({ length: options.connections }, async (_, worker) => {
    for (let n = 0; running; n++) await one(worker, n);
  });
  return {
    outcomes,
    startedAt,
    stop: async () => {
      running = false;
      await Promise.all(workers);
      agent.destroy();
    },
  };
}

import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';

export interface Sample {
  /** ms since the probe started, when the request was sent. */
  at: number;
  ms: number;
  status?: number;
  error?: string;
}

export interface LatencyProbe {
  samples: Sample[];
  stop(): Promise<Sample[]>;
}

/**
 * Sends one request at a time per connection (a closed loop), pausing `pauseMs` between
 * requests, and records each request's wall time: a light client whose own cost stays small.
 */
export function startLatencyProbe(options: {
  baseUrl: string;
  path: string;
  headers?: Record<string, string>;
  connections?: number;
  pauseMs?: number;
}): LatencyProbe {
  const url = new URL(options.baseUrl);
  const connections = options.connections ?? 1;
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const samples: Sample[] = [];
  const started = performance.now();
  let running = true;
  const one = (): Promise<void> =>
    new Promise((resolve) => {
      const sent = performance.now();
      const done = (outcome: { status?: number; error?: string }): void => {
        samples.push({ at: sent - started, ms: performance.now() - sent, ...outcome });
        resolve();
      };
      const req = request(
        { host: url.hostname, port: url.port, path: options.path, headers: options.headers, agent },
        (res) => {
          res.resume();
          res.once('end', () => done({ status: res.statusCode }));
          res.once('error', (error: NodeJS.ErrnoException) => done({ error: error.code }));
        },
      );
      req.setTimeout(15_000, () => req.destroy(new Error('client timeout')));
      req.once('error', (error: NodeJS.ErrnoException) => done({ error: error.code ?? 'error' }));
      req.end();
    });
  const loops = Array.from({ length: connections }, async () => {
    while (running) {
      await one();
      if (options.pauseMs) await new Promise((r) => setTimeout(r, options.pauseMs));
    }
  });
  return {
    samples,
    stop: async () => {
      running = false;
      await Promise.all(loops);
      agent.destroy();
      return samples;
    },
  };
}

/** The q-quantile (0..1) of the samples' durations, nearest-rank. */
export function quantile(samples: Sample[], q: number): number {
  const sorted = samples.map((s) => s.ms).sort((a, b) => a - b);
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

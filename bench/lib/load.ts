import autocannon, { type RequestSpec, type Result } from 'autocannon';

export interface LoadOptions {
  url: string;
  connections: number;
  durationSeconds: number;
  headers?: Record<string, string>;
  requests?: RequestSpec[];
  /** Called every second with the number of answers in that second. */
  onTick?: (answered: number) => void;
}

export interface LoadResult {
  requestsPerSecond: number;
  total: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  statusCodes: Record<string, number>;
  /** req/s of every measured run, when a scenario ran more than once. */
  runs?: number[];
  /**
   * CPU of the server process per answer over all measured runs, in µs: steadier than req/s on
   * a shared host, since other work there slows the server down but does not add to its CPU.
   */
  serverCpuMicrosPerRequest?: number;
  /** The host's 1-minute load average before and after the measured runs (a busy host shows). */
  loadAverage?: [number, number];
}

/** One autocannon run; counts every answer, errors and non-2xx alike. */
export async function load(options: LoadOptions): Promise<LoadResult> {
  const instance = autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.durationSeconds,
    timeout: 10,
    headers: options.headers,
    requests: options.requests,
  });
  const onTick = options.onTick;
  if (onTick) void instance.on('tick', (tick: { counter: number }) => onTick(tick.counter));
  const result: Result = await instance;
  const statusCodes = Object.fromEntries(
    Object.entries(result.statusCodeStats ?? {}).map(([code, { count }]) => [code, Number(count)]),
  );
  const answered = Object.values(statusCodes).reduce((a, b) => a + b, 0);
  return {
    requestsPerSecond: Math.round(answered / result.duration),
    total: answered,
    latencyMs: {
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      max: result.latency.max,
      mean: Math.round(result.latency.mean * 100) / 100,
    },
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    statusCodes,
  };
}

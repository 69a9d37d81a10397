/** Command-line flags (`npm run bench -- --duration 5`), each with a BENCH_* variable as fallback. */
export interface BenchArgs {
  connections: number;
  durationSeconds: number;
  warmupSeconds: number;
  /** Measured runs per scenario; the run with the median req/s is reported. */
  repeat: number;
  blocks: number;
  /** Seconds of mixed traffic; 0 runs the scenario table instead. */
  soakSeconds: number;
  /** Scenario names (or prefixes) to run; empty runs all. */
  only: string[];
  pin: boolean;
  cpuProf: boolean;
  /** The container memory limit the API's heap options are derived from, as the image does. */
  memoryLimitMiB: number;
  /** `--max-semi-space-size` values (MiB) to compare on the JWT read, each its own API run. */
  semiSpaces: number[];
  databaseUrl?: string;
  logLevel: string;
  outDir: string;
  keep: boolean;
  strict: boolean;
}

const HELP = `npm run bench -- [flags]
  --connections N   autocannon connections, same for every scenario (BENCH_CONNECTIONS, 32)
  --duration S      seconds per scenario (BENCH_DURATION, 10)
  --warmup S        unmeasured seconds before each scenario (BENCH_WARMUP, 3)
  --repeat N        measured runs per scenario, the median is reported (BENCH_REPEAT, 1)
  --blocks N        blocks seeded in the bench tenant (BENCH_BLOCKS, 100000)
  --soak S          run mixed traffic for S seconds and report memory every 10 s
  --only a,b        run only these scenarios (name prefixes)
  --pin             pin the server under test to the last core, load and PostgreSQL to the others
                    (default: the kernel schedules everything on all cores, PostgreSQL included)
  --cpu-prof        write V8 CPU profiles of the API to bench/results/profiles/
  --memory-limit M  MiB the API's heap options are derived from by deploy/docker/heap-options.sh,
                    as the image derives them from its cgroup limit (BENCH_MEMORY_LIMIT, 512)
  --semi-space a,b  also run the JWT read on the API with each --max-semi-space-size (MiB)
  --database-url U  use this PostgreSQL instead of starting the embedded one (BENCH_DATABASE_URL)
  --log-level L     LOG_LEVEL of the API (BENCH_LOG_LEVEL, info)
  --out DIR         where results go (bench/results)
  --keep            keep the temporary cluster and logs
  --strict          exit non-zero when a target is missed, too`;

export function parseArgs(argv: string[], env: NodeJS.ProcessEnv): BenchArgs {
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-h' || arg === '--help') {
      process.stdout.write(`${HELP}\n`);
      process.exit(0);
    }
    if (!arg.startsWith('--')) throw new Error(`unexpected argument ${arg}\n${HELP}`);
    const [name, inline] = arg.slice(2).split('=', 2);
    if (inline !== undefined) flags.set(name, inline);
    else if (argv[i + 1] !== undefined && !argv[i + 1].startsWith('--')) flags.set(name, argv[++i]);
    else flags.set(name, true);
  }
  const known = [
    'connections',
    'duration',
    'warmup',
    'repeat',
    'blocks',
    'soak',
    'only',
    'pin',
    'cpu-prof',
    'memory-limit',
    'semi-space',
    'database-url',
    'log-level',
    'out',
    'keep',
    'strict',
  ];
  for (const name of flags.keys()) {
    if (!known.includes(name)) throw new Error(`unknown flag --${name}\n${HELP}`);
  }
  const text = (name: string, fallback?: string): string | undefined => {
    const value = flags.get(name);
    return typeof value === 'string' ? value : fallback;
  };
  const int = (name: string, fallback: string | undefined, def: number): number => {
    const value = text(name, fallback);
    if (value === undefined) return def;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a whole number`);
    return n;
  };
  return {
    connections: int('connections', env.BENCH_CONNECTIONS, 32) || 32,
    durationSeconds: int('duration', env.BENCH_DURATION, 10) || 10,
    warmupSeconds: int('warmup', env.BENCH_WARMUP, 3),
    repeat: int('repeat', env.BENCH_REPEAT, 1) || 1,
    blocks: int('blocks', env.BENCH_BLOCKS, 100_000),
    soakSeconds: int('soak', undefined, 0),
    only: (text('only') ?? '').split(',').filter(Boolean),
    pin: flags.has('pin'),
    cpuProf: flags.has('cpu-prof'),
    memoryLimitMiB: int('memory-limit', env.BENCH_MEMORY_LIMIT, 512) || 512,
    semiSpaces: (text('semi-space') ?? '')
      .split(',')
      .filter(Boolean)
      .map((v) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 1)
          throw new Error('--semi-space takes whole MiB: 16,32,64');
        return n;
      }),
    databaseUrl: text('database-url', env.BENCH_DATABASE_URL),
    logLevel: text('log-level', env.BENCH_LOG_LEVEL) ?? 'info',
    outDir: text('out') ?? 'bench/results',
    keep: flags.has('keep'),
    strict: flags.has('strict'),
  };
}

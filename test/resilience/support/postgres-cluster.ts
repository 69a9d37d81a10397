import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort } from '@app/database';

/** Debian's server binaries (apt `postgresql`), newest major first. */
export function findPostgresBin(): string {
  const base = '/usr/lib/postgresql';
  const majors = existsSync(base)
    ? readdirSync(base)
        .filter((d) => existsSync(join(base, d, 'bin', 'pg_ctl')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (majors.length === 0) {
    throw new Error(
      "No PostgreSQL server in /usr/lib/postgresql/*/bin: install Debian's `postgresql` (apt_packages in .ci/run)",
    );
  }
  return join(base, majors[0], 'bin');
}

interface Owner {
  uid?: number;
  gid?: number;
}

function postgresOwner(): Owner {
  if (userInfo().uid !== 0) return {};
  // PostgreSQL refuses to run as root: as root, the cluster belongs to the `postgres` user.
  const uid = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (uid.status !== 0)
    throw new Error('Running as root needs a `postgres` user (apt `postgresql` creates it)');
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/**
 * A throwaway PostgreSQL cluster of Debian's server in a temporary directory, on a free loopback
 * port, that a test can stop (gracefully or by crash) and start again on the same port.
 */
export class PostgresCluster {
  private constructor(
    readonly bin: string,
    readonly dir: string,
    readonly port: number,
    private readonly password: string,
    private readonly owner: Owner,
  ) {}

  static async create(settings: Record<string, string> = {}): Promise<PostgresCluster> {
    const bin = findPostgresBin();
    const owner = postgresOwner();
    // World-searchable parents: the postgres user must reach the directory when we are root.
    const dir = mkdtempSync(join(tmpdir(), 'cb-resilience-pg-'));
    chmodSync(dir, 0o755);
    const data = join(dir, 'data');
    mkdirSync(data, { mode: 0o700 });
    const password = randomBytes(12).toString('hex');
    writeFileSync(join(dir, 'pwfile'), password, { mode: 0o600 });
    if (owner.uid !== undefined) {
      chownSync(data, owner.uid, owner.gid!);
      chownSync(join(dir, 'pwfile'), owner.uid, owner.gid!);
      chownSync(dir, owner.uid, owner.gid!);
    }
    const port = await freePort();
    const cluster = new PostgresCluster(bin, dir, port, password, owner);
    await cluster.exec('initdb', [
      '-D',
      data,
      '-U',
      'postgres',
      '--auth=scram-sha-256',
      `--pwfile=${join(dir, 'pwfile')}`,
      '-E',
      'UTF8',
      '--no-instructions',
    ]);
    const conf = [
      `port = ${port}`,
      `listen_addresses = '127.0.0.1'`,
      `unix_socket_directories = '${dir}'`,
      'max_connections = 200',
      ...Object.entries(settings).map(([k, v]) => `${k} = '${v}'`),
    ].join('\n');
    writeFileSync(join(data, 'postgresql.auto.conf'), `${conf}\n`);
    if (owner.uid !== undefined)
      chownSync(join(data, 'postgresql.auto.conf'), owner.uid, owner.gid!);
    await cluster.start();
    return cluster;
  }

  /** A connection string to `database` (created on first use by `createDatabase`). */
  url(database = 'postgres'): string {
    return `postgres://postgres:${this.password}@127.0.0.1:${this.port}/${database}`;
  }

  async createDatabase(name: string): Promise<string> {
    const client = new Client({ connectionString: this.url() });
    await client.connect();
    try {
      await client.query(`CREATE DATABASE "${name}"`);
    } finally {
      await client.end();
    }
    return this.url(name);
  }

  async start(): Promise<void> {
    await this.exec('pg_ctl', [
      '-D',
      join(this.dir, 'data'),
      '-l',
      join(this.dir, 'server.log'),
      '-w',
      '-t',
      '60',
      'start',
    ]);
  }

  /** `fast` is a clean shutdown; `immediate` is a crash (recovery from WAL on the next start). */
  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    await this.exec('pg_ctl', ['-D', join(this.dir, 'data'), '-m', mode, '-w', '-t', '60', 'stop']);
  }

  async destroy(): Promise<void> {
    await this.stop('immediate').catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }

  private exec(tool: string, args: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
      const child = spawn(join(this.bin, tool), args, {
        cwd: this.dir,
        uid: this.owner.uid,
        gid: this.owner.gid,
        env: { PATH: process.env.PATH, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (c: Buffer) => (output += c.toString()));
      child.stderr.on('data', (c: Buffer) => (output += c.toString()));
      child.once('error', reject);
      child.once('exit', (code) =>
        code === 0
          ? resolve(output)
          : reject(new Error(`${tool} ${args.join(' ')} exited ${code}: ${output}`)),
      );
    });
  }
}

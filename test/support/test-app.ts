import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Pool } from 'pg';
import { createLogger } from '@app/common';
import { type AppConfig, loadConfig } from '@app/config';
import { closeApp } from '../../apps/api/src/close-app';
import { type CreateAppOptions, createApp } from '../../apps/api/src/create-app';
import { HttpClient } from './http-client';
import { createTestDatabase } from './test-database';

export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789';

export interface TestApp {
  app: NestFastifyApplication;
  config: AppConfig;
  baseUrl: string;
  http: HttpClient;
  /** Direct access to this file's database, for assertions and setup only. */
  db: Pool;
  databaseUrl: string;
  /** Every JSON log line the app wrote (parsed). */
  logs: Array<Record<string, unknown>>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  env?: Record<string, string>;
  /** Reuse a database (e.g. two replicas on one database); default: a fresh clone. */
  databaseUrl?: string;
  /** Extra modules (e.g. DiagnosticsModule) mounted beside the app. */
  imports?: CreateAppOptions['imports'];
}

/** Boots the real app on its own database clone, listening on a free loopback port. */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const database = options.databaseUrl ? undefined : await createTestDatabase();
  const databaseUrl = options.databaseUrl ?? database!.url;
  // Removed on close: a run of the suite would otherwise leave one directory per app behind.
  const dataDir = mkdtempSync(join(tmpdir(), 'cb-test-data-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl,
    DATA_DIR: dataDir,
    JWT_SECRET: TEST_JWT_SECRET,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'info',
    ...options.env,
  });
  const logs: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim()) logs.push(JSON.parse(line) as Record<string, unknown>);
      }
      if (logs.length > 5000) logs.splice(0, logs.length - 5000);
      callback();
    },
  });
  const logger = createLogger(config.logLevel, sink);
  const app = await createApp(config, logger, { imports: options.imports });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const baseUrl = `http://127.0.0.1:${port}`;
  const db = new Pool({ connectionString: databaseUrl, max: 4 });
  // An idle assertion connection cut by a database drop or restart is not a test failure.
  db.on('error', () => undefined);
  return {
    app,
    config,
    baseUrl,
    http: new HttpClient(baseUrl),
    db,
    databaseUrl,
    logs,
    close: async () => {
      await closeApp(app);
      await db.end();
      await database?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

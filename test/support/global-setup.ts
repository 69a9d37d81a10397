// Global setup runs outside Jest's module mapper, so it imports libraries by path.
import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../libs/database/src/data-source-options';
import {
  startEmbeddedPostgres,
  type RunningPostgres,
} from '../../libs/database/src/embedded-postgres';
import { TEMPLATE_DATABASE, assertTestDatabaseName } from './test-database';

declare global {
  var __CB_TEST_PG__: RunningPostgres | undefined;
}

/**
 * Starts PostgreSQL once for the whole e2e run (embedded, or the server of DATABASE_URL),
 * migrates a template database, and lets each test file clone it.
 */
export default async function globalSetup(): Promise<void> {
  let serverUrl: URL;
  if (process.env.DATABASE_URL) {
    serverUrl = new URL(process.env.DATABASE_URL);
    assertTestDatabaseName(serverUrl.pathname.slice(1));
  } else {
    // World-searchable parent: as root the server runs as `postgres` and must reach it.
    const dataDir = mkdtempSync(join(tmpdir(), 'cb-test-pg-'));
    chmodSync(dataDir, 0o755);
    const pg = await startEmbeddedPostgres({
      dataDir,
      database: 'cb_test_admin',
      // Throwaway cluster: durability buys nothing here, speed does.
      settings: {
        fsync: 'off',
        synchronous_commit: 'off',
        full_page_writes: 'off',
        max_connections: '300',
      },
    });
    globalThis.__CB_TEST_PG__ = pg;
    serverUrl = new URL(pg.url);
  }

  const admin = new Client({ connectionString: serverUrl.toString() });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DATABASE} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${TEMPLATE_DATABASE}`);
  } finally {
    await admin.end();
  }
  const templateUrl = new URL(serverUrl.toString());
  templateUrl.pathname = `/${TEMPLATE_DATABASE}`;
  const dataSource = new DataSource(dataSourceOptions(templateUrl.toString()));
  await dataSource.initialize();
  await dataSource.runMigrations({ transaction: 'each' });
  await dataSource.destroy();

  process.env.CB_TEST_ADMIN_URL = serverUrl.toString();
}

import {
  GENESIS_HASH,
  type ChainedEntry,
  type HashedFields,
  entryHash,
  personalDigest,
} from './chain/audit-chain';
import type { EntityManager } from 'typeorm';
import { type PreparedStatement, preparedQuery } from '@app/database';

/** An entry before it takes its place in the chain (no seq, no hashes yet). */
export type PendingEntry = Omit<
  ChainedEntry,
  'seq' | 'prevHash' | 'hash' | 'personalDigest' | 'pseudonymised'
>;

/** Anything that runs SQL: a TypeORM EntityManager or QueryRunner. */
export interface Sql {
  query(sql: string, parameters?: unknown[]): Promise<unknown>;
}

/** Most unsealed entries sealed in one transaction (the chain lock is held that long). */
export const SEAL_BATCH = 2000;

const LOCK_ONE = `SELECT pg_advisory_xact_lock(hashtext($1::text))`;

// Locks in one fixed order (by hash) so two writers holding several tenants never deadlock.
const LOCK_MANY = `
  SELECT pg_advisory_xact_lock(h)
  FROM (SELECT DISTINCT hashtext(t) AS h FROM unnest($1::text[]) AS t ORDER BY 1) AS locks`;

// The head of each chain: its last sealed entry, else the anchor left by retention, else nothing.
const HEADS = `
  SELECT t.tenant_id::text AS tenant_id, h.seq::text AS seq, h.hash
  FROM unnest($1::uuid[]) AS t(tenant_id)
  CROSS JOIN LATERAL (
    SELECT seq, hash FROM (
      (SELECT seq, hash FROM audit_log a
       WHERE a.tenant_id = t.tenant_id AND a.seq IS NOT NULL ORDER BY seq DESC LIMIT 1)
      UNION ALL
      (SELECT seq, hash FROM audit_anchors x WHERE x.tenant_id = t.tenant_id)
    ) AS u ORDER BY seq DESC LIMIT 1
  ) AS h`;

/** Entry rows as stored, mapped back to the chain's shape (for sealing, verification, the API). */
export const SELECT_ENTRY = `
  id::text AS id, tenant_id::text AS "tenantId", seq::text AS seq, "timestamp",
  user_id::text AS "userId", username, api_key_id::text AS "apiKeyId", action,
  resource_type AS "resourceType", resource_id AS "resourceId", method, path,
  status_code AS "statusCode", duration_ms AS "durationMs", ip, user_agent AS "userAgent",
  request_id AS "requestId", severity, changes, error, personal_digest AS "personalDigest",
  pseudonymised, prev_hash AS "prevHash", hash`;

// Oldest first (ids are UUID v7), found through the partial index on unsealed entries.
const UNSEALED = `
  SELECT ${SELECT_ENTRY} FROM audit_log
  WHERE tenant_id = ANY($1::uuid[]) AND seq IS NULL
  ORDER BY id LIMIT ${SEAL_BATCH}`;

const SEAL = `
  UPDATE audit_log AS a SET seq = u.seq, prev_hash = u.prev_hash, hash = u.hash
  FROM json_to_recordset($1::json) AS u(id uuid, seq bigint, prev_hash text, hash text)
  WHERE a.id = u.id AND a.seq IS NULL`;

const COLUMNS = [
  'id',
  'tenant_id',
  'seq',
  'timestamp',
  'user_id',
  'username',
  'api_key_id',
  'action',
  'resource_type',
  'resource_id',
  'method',
  'path',
  'status_code',
  'duration_ms',
  'ip',
  'user_agent',
  'request_id',
  'severity',
  'changes',
  'error',
  'personal_digest',
  'prev_hash',
  'hash',
] as const;

// Any number of entries as one JSON parameter: JSON.stringify and PostgreSQL's JSON parser are
// native code, where binding 23 arrays made pg build every array literal in JavaScript.
const INSERT: PreparedStatement = {
  name: 'audit_log_insert',
  text: `
    INSERT INTO audit_log (${COLUMNS.map((c) => `"${c}"`).join(', ')})
    SELECT ${COLUMNS.map((c) => `r."${c}"`).join(', ')}
    FROM json_populate_recordset(NULL::audit_log, $1::json) AS r`,
};

type Row = Record<(typeof COLUMNS)[number], unknown>;

function toRow(e: PendingEntry, digest: string, chain: ChainPlace | null): Row {
  return {
    id: e.id,
    tenant_id: e.tenantId,
    seq: chain?.seq ?? null,
    timestamp: e.timestamp.toISOString(),
    user_id: e.userId,
    username: e.username,
    api_key_id: e.apiKeyId,
    action: e.action,
    resource_type: e.resourceType,
    resource_id: e.resourceId,
    method: e.method,
    path: e.path,
    status_code: e.statusCode,
    duration_ms: e.durationMs,
    ip: e.ip,
    user_agent: e.userAgent,
    request_id: e.requestId,
    severity: e.severity,
    changes: e.changes,
    error: e.error,
    personal_digest: digest,
    prev_hash: chain?.prevHash ?? null,
    hash: chain?.hash ?? null,
  };
}

interface ChainPlace {
  seq: string;
  prevHash: string;
  hash: string;
}

/**
 * Inserts entries unsealed (no place in the chain yet) in the caller's transaction, so they
 * commit or roll back with the change they describe. Takes no lock: concurrent changes of one
 * tenant no longer queue behind each other's commits. `sealChains` seals them after commit.
 */
export async function insertUnsealed(
  manager: EntityManager,
  entries: PendingEntry[],
): Promise<void> {
  if (entries.length === 0) return;
  const rows = entries.map((e) => toRow(e, personalDigest(e), null));
  await preparedQuery(manager, INSERT, [JSON.stringify(rows)]);
}

/**
 * Gives the committed unsealed entries of `tenants` their place in the chain (oldest first),
 * then appends `queued` entries already sealed. Must run in a transaction: each tenant's
 * advisory lock is held until commit, so two sealers queue instead of forking the chain.
 * Returns how many entries it sealed and what it appended.
 */
export async function sealChains(
  sql: Sql,
  tenantIds: Iterable<string>,
  queued: PendingEntry[] = [],
): Promise<{ sealed: number; appended: ChainedEntry[] }> {
  const tenants = [...new Set([...tenantIds, ...queued.map((e) => e.tenantId)])];
  if (tenants.length === 0) return { sealed: 0, appended: [] };
  if (tenants.length === 1) await sql.query(LOCK_ONE, [tenants[0]]);
  else await sql.query(LOCK_MANY, [tenants]);
  const heads = await readHeads(sql, tenants);
  const advance = (entry: HashedFields): ChainPlace => {
    const head = heads.get(entry.tenantId)!;
    const prevHash = head.hash;
    const hash = entryHash(prevHash, entry);
    heads.set(entry.tenantId, { seq: BigInt(entry.seq), hash });
    return { seq: entry.seq, prevHash, hash };
  };
  const nextSeq = (tenantId: string): string => (heads.get(tenantId)!.seq + 1n).toString();

  // Read after the lock: in READ COMMITTED each statement sees what committed before it began.
  const unsealed = (await sql.query(UNSEALED, [tenants])) as ChainedEntry[];
  if (unsealed.length > 0) {
    const seals = unsealed.map((entry) => {
      const place = advance({ ...entry, seq: nextSeq(entry.tenantId) });
      return { id: entry.id, seq: place.seq, prev_hash: place.prevHash, hash: place.hash };
    });
    await sql.query(`SELECT set_config('audit.seal', 'on', true)`);
    await sql.query(SEAL, [JSON.stringify(seals)]);
  }

  const appended: ChainedEntry[] = [];
  const rows = queued.map((e) => {
    const digest = personalDigest(e);
    const place = advance({ ...e, seq: nextSeq(e.tenantId), personalDigest: digest });
    appended.push({ ...e, ...place, personalDigest: digest, pseudonymised: false });
    return toRow(e, digest, place);
  });
  if (rows.length > 0) await sql.query(INSERT.text, [JSON.stringify(rows)]);
  return { sealed: unsealed.length, appended };
}

async function readHeads(
  sql: Sql,
  tenants: string[],
): Promise<Map<string, { seq: bigint; hash: string }>> {
  const rows = (await sql.query(HEADS, [tenants])) as Array<{
    tenant_id: string;
    seq: string;
    hash: string;
  }>;
  const heads = new Map<string, { seq: bigint; hash: string }>();
  for (const t of tenants) heads.set(t, { seq: 0n, hash: GENESIS_HASH });
  for (const row of rows) heads.set(row.tenant_id, { seq: BigInt(row.seq), hash: row.hash });
  return heads;
}

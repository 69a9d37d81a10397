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
  'seq' | 'prevHash' | 'hash' | 'personalDigest' | 'pseudonymised' | 'changesDigested'
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
  pseudonymised, changes_digested AS "changesDigested", prev_hash AS "prevHash", hash`;

// Oldest first (ids are UUID v7), found through the partial index on unsealed entries.
const UNSEALED = `
  SELECT ${SELECT_ENTRY} FROM audit_log
  WHERE tenant_id = ANY($1::uuid[]) AND seq IS NULL
  ORDER BY id LIMIT ${SEAL_BATCH}`;

const SEAL = `
  UPDATE audit_log AS a SET seq = u.seq, prev_hash = u.prev_hash, hash = u.hash
  FROM json_to_recordset($1::json) AS u(id uuid, seq bigint, prev_hash text, hash text)
  WHERE a.id = u.id AND a.seq IS NULL`;

// Column, JSON key of the entry as the app holds it, and type.
const COLUMNS = [
  ['id', 'id', 'uuid'],
  ['tenant_id', 'tenantId', 'uuid'],
  ['seq', 'seq', 'bigint'],
  ['timestamp', 'timestamp', 'timestamptz'],
  ['user_id', 'userId', 'uuid'],
  ['username', 'username', 'text'],
  ['api_key_id', 'apiKeyId', 'uuid'],
  ['action', 'action', 'text'],
  ['resource_type', 'resourceType', 'text'],
  ['resource_id', 'resourceId', 'text'],
  ['method', 'method', 'text'],
  ['path', 'path', 'text'],
  ['status_code', 'statusCode', 'integer'],
  ['duration_ms', 'durationMs', 'double precision'],
  ['ip', 'ip', 'text'],
  ['user_agent', 'userAgent', 'text'],
  ['request_id', 'requestId', 'text'],
  ['severity', 'severity', 'text'],
  ['changes', 'changes', 'jsonb'],
  ['error', 'error', 'text'],
  ['personal_digest', 'personalDigest', 'text'],
  ['prev_hash', 'prevHash', 'text'],
  ['hash', 'hash', 'text'],
] as const;

// Any number of entries as one JSON parameter, serialised as the app holds them: JSON.stringify
// and PostgreSQL's JSON parser are native code, where binding 23 arrays made pg build every
// array literal in JavaScript. Missing keys (an unsealed entry's chain columns) are NULL.
function insertFromJson(param: number): string {
  return `
    INSERT INTO audit_log (${COLUMNS.map(([column]) => `"${column}"`).join(', ')})
    SELECT ${COLUMNS.map(([, key]) => `r."${key}"`).join(', ')}
    FROM json_to_recordset($${param}::json)
      AS r(${COLUMNS.map(([, key, type]) => `"${key}" ${type}`).join(', ')})`;
}

const INSERT: PreparedStatement = { name: 'audit_log_insert', text: insertFromJson(1) };

/**
 * A `WITH` item that inserts the entries of `entriesJson(...)` passed as parameter `$param`,
 * for a change made by one statement outside any transaction: `WITH <this> INSERT INTO ...`.
 * PostgreSQL runs a data-modifying WITH item to completion with its statement, so the change
 * and its entry commit together or not at all, in one round trip instead of four.
 */
export function entryCte(param: number): string {
  return `audit_entry AS (${insertFromJson(param)})`;
}

/** An entry on its way in: the writer adds its digest (and, when sealing, its chain place). */
type Draft = PendingEntry &
  Partial<Pick<ChainedEntry, 'seq' | 'prevHash' | 'hash'>> & {
    personalDigest?: string;
  };

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
  await preparedQuery(manager, INSERT, [entriesJson(entries)]);
}

/** Unsealed entries as the JSON parameter `insertUnsealed` and `entryCte` read. */
export function entriesJson(entries: PendingEntry[]): string {
  for (const entry of entries as Draft[]) entry.personalDigest = personalDigest(entry);
  return JSON.stringify(entries);
}

interface ChainPlace {
  seq: string;
  prevHash: string;
  hash: string;
}

/**
 * Gives the committed unsealed entries of `tenants` their place in the chain (oldest first),
 * then appends `queued` entries already sealed (it fills in their digest and chain place). Must
 * run in a transaction: each tenant's advisory lock is held until commit, so two sealers queue
 * instead of forking the chain. Returns how many committed entries it sealed.
 */
export async function sealChains(
  sql: Sql,
  tenantIds: Iterable<string>,
  queued: PendingEntry[] = [],
): Promise<{ sealed: number }> {
  const tenants = [...new Set([...tenantIds, ...queued.map((e) => e.tenantId)])];
  if (tenants.length === 0) return { sealed: 0 };
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
      entry.seq = nextSeq(entry.tenantId); // a fresh row of ours: no copy needed
      const place = advance(entry);
      return { id: entry.id, seq: place.seq, prev_hash: place.prevHash, hash: place.hash };
    });
    await sql.query(`SELECT set_config('audit.seal', 'on', true)`);
    await sql.query(SEAL, [JSON.stringify(seals)]);
  }

  for (const entry of queued as Draft[]) {
    entry.personalDigest = personalDigest(entry);
    entry.seq = nextSeq(entry.tenantId);
    const place = advance(entry as HashedFields);
    entry.prevHash = place.prevHash;
    entry.hash = place.hash;
  }
  if (queued.length > 0) await sql.query(INSERT.text, [JSON.stringify(queued)]);
  return { sealed: unsealed.length };
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

/** Tenants with unsealed entries, whoever wrote them (another replica, a crashed process). */
export async function tenantsWithUnsealed(sql: Sql): Promise<string[]> {
  const rows = (await sql.query(
    `SELECT DISTINCT tenant_id::text AS tenant_id FROM audit_log WHERE seq IS NULL`,
  )) as Array<{ tenant_id: string }>;
  return rows.map((row) => row.tenant_id);
}

/**
 * Erases a user's personal data from a tenant's entries (see `audit_pseudonymise`), in the
 * caller's transaction. Returns the entries changed.
 */
export async function pseudonymiseUser(
  sql: Sql,
  tenantId: string,
  userId: string,
): Promise<number> {
  const rows = (await sql.query(`SELECT audit_pseudonymise($1, $2)::int AS n`, [
    tenantId,
    userId,
  ])) as Array<{ n: number }>;
  return rows[0]?.n ?? 0;
}

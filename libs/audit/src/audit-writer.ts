import { GENESIS_HASH, type ChainedEntry, entryHash, personalDigest } from './chain/audit-chain';

/** An entry before it takes its place in the chain (no seq, no hashes yet). */
export type PendingEntry = Omit<
  ChainedEntry,
  'seq' | 'prevHash' | 'hash' | 'personalDigest' | 'pseudonymised'
>;

/** Anything that runs SQL: a TypeORM EntityManager or QueryRunner. */
export interface Sql {
  query(sql: string, parameters?: unknown[]): Promise<unknown>;
}

const LOCK_ONE = `SELECT pg_advisory_xact_lock(hashtext($1::text))`;

// Locks in one fixed order (by hash) so two writers holding several tenants never deadlock.
const LOCK_MANY = `
  SELECT pg_advisory_xact_lock(h)
  FROM (SELECT DISTINCT hashtext(t) AS h FROM unnest($1::text[]) AS t ORDER BY 1) AS locks`;

// The head of each chain: its last entry, else the anchor left by retention, else nothing.
const HEADS = `
  SELECT t.tenant_id::text AS tenant_id, h.seq::text AS seq, h.hash
  FROM unnest($1::uuid[]) AS t(tenant_id)
  CROSS JOIN LATERAL (
    SELECT seq, hash FROM (
      (SELECT seq, hash FROM audit_log a WHERE a.tenant_id = t.tenant_id ORDER BY seq DESC LIMIT 1)
      UNION ALL
      (SELECT seq, hash FROM audit_anchors x WHERE x.tenant_id = t.tenant_id)
    ) AS u ORDER BY seq DESC LIMIT 1
  ) AS h`;

const COLUMNS = [
  ['id', 'uuid'],
  ['tenant_id', 'uuid'],
  ['seq', 'bigint'],
  ['timestamp', 'timestamptz'],
  ['user_id', 'uuid'],
  ['username', 'text'],
  ['api_key_id', 'uuid'],
  ['action', 'text'],
  ['resource_type', 'text'],
  ['resource_id', 'text'],
  ['method', 'text'],
  ['path', 'text'],
  ['status_code', 'integer'],
  ['duration_ms', 'double precision'],
  ['ip', 'text'],
  ['user_agent', 'text'],
  ['request_id', 'text'],
  ['severity', 'text'],
  ['changes', 'text'],
  ['error', 'text'],
  ['personal_digest', 'text'],
  ['prev_hash', 'text'],
  ['hash', 'text'],
] as const;

// One multi-row INSERT for any number of entries: one array parameter per column.
const INSERT = `
  INSERT INTO audit_log (${COLUMNS.map(([c]) => `"${c}"`).join(', ')})
  SELECT ${COLUMNS.map(([c]) => (c === 'changes' ? `u.changes::jsonb` : `u."${c}"`)).join(', ')}
  FROM unnest(${COLUMNS.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ')})
    AS u(${COLUMNS.map(([c]) => `"${c}"`).join(', ')})`;

/**
 * Appends entries to their tenants' chains inside the transaction `sql` belongs to: takes each
 * tenant's advisory lock (held until commit, so concurrent writers queue instead of forking),
 * reads the heads, hashes and inserts everything in one statement.
 */
export async function appendEntries(sql: Sql, pending: PendingEntry[]): Promise<ChainedEntry[]> {
  if (pending.length === 0) return [];
  const tenants = [...new Set(pending.map((e) => e.tenantId))];
  if (tenants.length === 1) await sql.query(LOCK_ONE, [tenants[0]]);
  else await sql.query(LOCK_MANY, [tenants]);
  const rows = (await sql.query(HEADS, [tenants])) as Array<{
    tenant_id: string;
    seq: string;
    hash: string;
  }>;
  const heads = new Map<string, { seq: bigint; hash: string }>();
  for (const t of tenants) heads.set(t, { seq: 0n, hash: GENESIS_HASH });
  for (const row of rows) heads.set(row.tenant_id, { seq: BigInt(row.seq), hash: row.hash });

  const chained = pending.map((entry): ChainedEntry => {
    const head = heads.get(entry.tenantId)!;
    const seq = (head.seq + 1n).toString();
    const hashed = { ...entry, seq, personalDigest: personalDigest(entry) };
    const hash = entryHash(head.hash, hashed);
    const out: ChainedEntry = { ...hashed, pseudonymised: false, prevHash: head.hash, hash };
    heads.set(entry.tenantId, { seq: head.seq + 1n, hash });
    return out;
  });

  const columns: unknown[][] = COLUMNS.map(() => []);
  for (const e of chained) {
    const values = [
      e.id,
      e.tenantId,
      e.seq,
      e.timestamp.toISOString(),
      e.userId,
      e.username,
      e.apiKeyId,
      e.action,
      e.resourceType,
      e.resourceId,
      e.method,
      e.path,
      e.statusCode,
      e.durationMs,
      e.ip,
      e.userAgent,
      e.requestId,
      e.severity,
      e.changes === null ? null : JSON.stringify(e.changes),
      e.error,
      e.personalDigest,
      e.prevHash,
      e.hash,
    ];
    values.forEach((v, i) => columns[i].push(v));
  }
  await sql.query(INSERT, columns);
  return chained;
}

/** Entry rows as stored, mapped back to the chain's shape (for verification and the API). */
export const SELECT_ENTRY = `
  id::text AS id, tenant_id::text AS "tenantId", seq::text AS seq, "timestamp",
  user_id::text AS "userId", username, api_key_id::text AS "apiKeyId", action,
  resource_type AS "resourceType", resource_id AS "resourceId", method, path,
  status_code AS "statusCode", duration_ms AS "durationMs", ip, user_agent AS "userAgent",
  request_id AS "requestId", severity, changes, error, personal_digest AS "personalDigest",
  pseudonymised, prev_hash AS "prevHash", hash`;

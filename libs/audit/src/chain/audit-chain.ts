import { createHash } from 'node:crypto';

/** The `prev_hash` of a tenant's first entry. */
export const GENESIS_HASH = '0'.repeat(64);

/** One stored audit entry, as the chain hashes it (and as `audit_log` holds it). */
export interface ChainedEntry {
  id: string;
  tenantId: string;
  /** Position in the tenant's chain (bigint, as a decimal string). */
  seq: string;
  timestamp: Date;
  userId: string | null;
  username: string | null;
  apiKeyId: string | null;
  action: string;
  resourceType: string | null;
  resourceId: string | null;
  method: string | null;
  path: string | null;
  statusCode: number | null;
  durationMs: number | null;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
  severity: 'info' | 'warning' | 'critical';
  changes: { before: unknown; after: unknown } | null;
  error: string | null;
  prevHash: string;
  hash: string;
}

/**
 * JSON with object keys sorted at every level, so the same entry always gives the same bytes,
 * whatever order jsonb hands the keys back in.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) return 'null';
  if (typeof value === 'bigint') return JSON.stringify(value.toString());
  return JSON.stringify(value);
}

/** Everything of an entry except its own hash and the previous one, in canonical form. */
export function canonicalEntry(entry: Omit<ChainedEntry, 'hash' | 'prevHash'>): string {
  return canonicalJson({
    id: entry.id,
    tenantId: entry.tenantId,
    seq: String(entry.seq),
    timestamp: entry.timestamp.toISOString(),
    userId: entry.userId,
    username: entry.username,
    apiKeyId: entry.apiKeyId,
    action: entry.action,
    resourceType: entry.resourceType,
    resourceId: entry.resourceId,
    method: entry.method,
    path: entry.path,
    statusCode: entry.statusCode,
    durationMs: entry.durationMs,
    ip: entry.ip,
    userAgent: entry.userAgent,
    requestId: entry.requestId,
    severity: entry.severity,
    changes: entry.changes,
    error: entry.error,
  });
}

/** `sha256(previous hash ‖ canonical JSON of the entry)`, hex. */
export function entryHash(
  prevHash: string,
  entry: Omit<ChainedEntry, 'hash' | 'prevHash'>,
): string {
  return createHash('sha256').update(prevHash).update(canonicalEntry(entry)).digest('hex');
}

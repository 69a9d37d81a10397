import { createHash, hash } from 'node:crypto';
import { canonicalJson } from '@app/common';
import { digestPersonalChanges } from './personal-changes';

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
  /** sha256 of the actor's personal data (username, IP, user agent): what the chain covers. */
  personalDigest: string;
  /** Set when those three fields were erased through `audit_pseudonymise()`. */
  pseudonymised: boolean;
  /**
   * Whether the chain covers the personal values in `changes` through their digests (so erasure
   * can remove them). False only for entries written before it did; absent on a new entry.
   */
  changesDigested?: boolean;
  prevHash: string;
  hash: string;
}

/** What an entry is before it takes its place in the chain. */
export type HashedFields = Omit<ChainedEntry, 'hash' | 'prevHash' | 'pseudonymised'>;

/**
 * The digest that stands in the chain for the actor's personal data, so that erasing it later
 * (pseudonymisation) leaves every hash valid while any other edit still breaks one.
 */
export function personalDigest(entry: {
  username: string | null;
  ip: string | null;
  userAgent: string | null;
}): string {
  // One client sends the same three values on every request: hash each combination once.
  const key = `${entry.username}\u0000${entry.ip}\u0000${entry.userAgent}`;
  let digest = digests.get(key);
  if (digest === undefined) {
    // Only strings and nulls: JSON.stringify of the keys in sorted order is canonicalJson.
    digest = createHash('sha256')
      .update(
        JSON.stringify({ ip: entry.ip, userAgent: entry.userAgent, username: entry.username }),
      )
      .digest('hex');
    if (digests.size >= DIGEST_CACHE_SIZE) digests.clear();
    digests.set(key, digest);
  }
  return digest;
}

const DIGEST_CACHE_SIZE = 4096;
const digests = new Map<string, string>();

/** Everything of an entry except its own hash and the previous one, in canonical form. */
export function canonicalEntry(entry: HashedFields): string {
  // Keys inserted in sorted order: without changes the entry holds only strings, numbers and
  // nulls, so the native JSON.stringify gives canonicalJson's exact bytes (every read entry is
  // hashed once when sealed); changes need canonicalJson's key sorting at every level.
  const fields = {
    action: entry.action,
    apiKeyId: entry.apiKeyId,
    changes:
      entry.changes === null || entry.changesDigested === false
        ? entry.changes
        : digestPersonalChanges(entry.id, entry.changes),
    durationMs: entry.durationMs,
    error: entry.error,
    id: entry.id,
    method: entry.method,
    path: entry.path,
    personal: entry.personalDigest,
    requestId: entry.requestId,
    resourceId: entry.resourceId,
    resourceType: entry.resourceType,
    seq: String(entry.seq),
    severity: entry.severity,
    statusCode: entry.statusCode,
    tenantId: entry.tenantId,
    timestamp: entry.timestamp.toISOString(),
    userId: entry.userId,
  };
  return entry.changes === null ? JSON.stringify(fields) : canonicalJson(fields);
}

/** `sha256(previous hash ‖ canonical JSON of the entry)`, hex. */
export function entryHash(prevHash: string, entry: HashedFields): string {
  // One-shot crypto.hash: a third of createHash's cost on inputs this small (once per entry).
  return hash('sha256', prevHash + canonicalEntry(entry), 'hex');
}

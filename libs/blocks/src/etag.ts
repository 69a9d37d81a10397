/** A block's strong ETag: its version (an ETag only compares representations of one URL). */
export function etagOf(version: number): string {
  return `"v${version}"`;
}

function entityTags(header: string): string[] {
  return header
    .split(',')
    .map((tag) => tag.trim())
    .filter(Boolean);
}

/** `If-None-Match` uses the weak comparison (RFC 9110 13.1.2): `W/` prefixes are ignored. */
export function ifNoneMatchHits(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  const tags = entityTags(header);
  return tags.includes('*') || tags.some((tag) => tag.replace(/^W\//, '') === etag);
}

/**
 * `If-Match` uses the strong comparison (RFC 9110 13.1.1): a weak tag never matches.
 * Returns true when there is no header (the precondition is absent).
 */
export function ifMatchHolds(header: string | undefined, etag: string): boolean {
  if (header === undefined) return true;
  const tags = entityTags(header);
  return tags.includes('*') || tags.includes(etag);
}

/** Sends the block's ETag with the answer; returns the tag for a conditional check. */
export function setEtag(
  reply: { header(name: string, value: string): unknown },
  version: number,
): string {
  const etag = etagOf(version);
  void reply.header('etag', etag);
  return etag;
}

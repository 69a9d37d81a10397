/** A versioned resource's strong ETag: its version. */
export function etagOf(version: number): string {
  return `"v${version}"`;
}

/** `If-Match` by strong comparison (RFC 9110 13.1.1); no header means no precondition. */
export function ifMatchHolds(header: string | undefined, etag: string): boolean {
  if (header === undefined) return true;
  const tags = header.split(',').map((tag) => tag.trim());
  return tags.includes('*') || tags.includes(etag);
}

/** Schemes a link may use; anything else (javascript:, vbscript:, data:, file:, …) is dropped. */
const SAFE_SCHEMES = new Set(['http:', 'https:', 'mailto:']);

/**
 * True for a URL that is relative or has an allowed scheme. Control characters and whitespace are
 * removed before the scheme is read, as browsers do (`java\tscript:` runs as `javascript:`).
 */
export function isSafeUrl(url: string): boolean {
  // eslint-disable-next-line no-control-regex
  const compact = url.replace(/[\u0000-\u0020\u007f-\u009f]/g, '');
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(compact);
  if (!scheme) return !compact.startsWith('//') && !compact.startsWith('\\');
  return SAFE_SCHEMES.has(scheme[1].toLowerCase() + ':');
}

/** True for a URL that points at the network: converters render these as text, never fetch them. */
export function isRemoteUrl(url: string): boolean {
  return /^(https?:)?\/\//i.test(url.trim());
}

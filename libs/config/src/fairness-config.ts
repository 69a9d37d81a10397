/**
 * Heavy operation classes that share the database (and CPU) fairly between tenants. Adding a
 * class is one line here: its per-tenant cap (and, when it runs SQL, its statement timeout).
 */
export const OPERATION_CLASSES = [
  'search',
  'related',
  'export',
  'import',
  'bulk',
  'assemble',
  'render',
  'analyze',
  'embed',
] as const;

export type OperationClass = (typeof OPERATION_CLASSES)[number];

/**
 * Operations of one class one tenant may run at once on one instance. Search and the /related
 * walk are nearly all database CPU: on a small database (2 cores) four of each let one tenant
 * hold every core, and another tenant's reads waited ~2x longer than with search 2 / related 1.
 */
export const DEFAULT_TENANT_CONCURRENCY: Record<OperationClass, number> = {
  search: 2,
  related: 1,
  export: 2,
  import: 2,
  bulk: 2,
  assemble: 2,
  render: 2,
  analyze: 2,
  embed: 2,
};

/**
 * Per statement, not per request; classes without an entry keep the pool's 30 s. An export is
 * one cursor statement read at the client's pace, so its limit is the export's whole lifetime.
 */
export const DEFAULT_STATEMENT_TIMEOUTS_MS: Partial<Record<OperationClass, number>> = {
  search: 5_000,
  related: 5_000,
  bulk: 15_000,
  import: 15_000,
  export: 30 * 60_000,
  embed: 5_000,
};

export interface FairnessConfig {
  /** Per tenant and class (TENANT_CONCURRENCY). */
  tenantConcurrency: Record<OperationClass, number>;
  /** Per tenant, every class together (TENANT_CONCURRENCY_MAX). */
  tenantMax: number;
  /** Every tenant and class together (INSTANCE_CONCURRENCY_MAX): keeps pool connections free. */
  instanceMax: number;
  /** How long an operation over a cap waits for a slot before it is refused (CONCURRENCY_WAIT_MS). */
  waitMs: number;
  /** SET LOCAL statement_timeout per class (STATEMENT_TIMEOUTS_MS). */
  statementTimeoutsMs: Partial<Record<OperationClass, number>>;
}

/**
 * Parses `class=n,class=n` over the defaults; returns the problems (naming the variable) instead
 * of throwing, so start-up can list every bad variable at once.
 */
export function parseClassMap(
  variable: string,
  text: string | undefined,
  defaults: Partial<Record<OperationClass, number>>,
  bounds: { min: number; max: number },
): { value: Partial<Record<OperationClass, number>>; problems: string[] } {
  const value = { ...defaults };
  const problems: string[] = [];
  if (text === undefined) return { value, problems };
  for (const part of text.split(',')) {
    const entry = part.trim();
    if (!entry) continue;
    const match = /^([a-z]+)\s*=\s*(\d{1,9})$/.exec(entry);
    if (!match || !(OPERATION_CLASSES as readonly string[]).includes(match[1])) {
      problems.push(
        `${variable} must be a comma-separated list of class=number with classes ${OPERATION_CLASSES.join(', ')} (got "${entry.slice(0, 40)}")`,
      );
      continue;
    }
    const n = Number(match[2]);
    if (n < bounds.min || n > bounds.max) {
      problems.push(`${variable}: ${match[1]} must be between ${bounds.min} and ${bounds.max}`);
      continue;
    }
    value[match[1] as OperationClass] = n;
  }
  return { value, problems };
}

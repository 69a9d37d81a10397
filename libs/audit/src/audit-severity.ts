import { actionPolicy } from './audit-actions';
import type { AuditSeverity } from './audit-event';

const RANK: Record<AuditSeverity, number> = { info: 0, warning: 1, critical: 2 };

/** `info` by default, raised to the action's floor, and to `warning` for failed requests. */
export function severityOf(
  action: string,
  requested: AuditSeverity | undefined,
  statusCode: number | null | undefined,
): AuditSeverity {
  let severity: AuditSeverity = requested && requested in RANK ? requested : 'info';
  const floor = actionPolicy(action)?.floor;
  if (floor && RANK[floor] > RANK[severity]) severity = floor;
  if (statusCode && statusCode >= 400 && severity === 'info') severity = 'warning';
  return severity;
}

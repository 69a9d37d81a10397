import { bearerMatches } from '@app/common';

/** `Authorization: Bearer <METRICS_TOKEN>`; no token configured = open. */
export function metricsAuthorized(token: string | undefined, header: string | undefined): boolean {
  return !token || bearerMatches(token, header);
}

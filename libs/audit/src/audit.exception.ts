import { type ErrorTable, moduleException } from '@app/common';

export enum AuditErrorCode {
  AUDIT_ENTRY_NOT_FOUND = 'AUDIT_ENTRY_NOT_FOUND',
  RETENTION_TOO_SHORT = 'RETENTION_TOO_SHORT',
  INVALID_TIME_RANGE = 'INVALID_TIME_RANGE',
}

const TABLE: ErrorTable<AuditErrorCode> = {
  [AuditErrorCode.AUDIT_ENTRY_NOT_FOUND]: { status: 404, detail: 'Audit entry not found' },
  [AuditErrorCode.RETENTION_TOO_SHORT]: {
    status: 400,
    detail: 'olderThanDays is below the configured minimum retention',
  },
  [AuditErrorCode.INVALID_TIME_RANGE]: { status: 400, detail: 'from must be before to' },
};

/** Failures of the audit API. */
export class AuditException extends moduleException(TABLE) {}

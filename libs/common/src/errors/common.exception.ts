import { type ErrorTable, moduleException } from './problem.exception';

export enum CommonErrorCode {
  INVALID_CURSOR = 'INVALID_CURSOR',
  INVALID_ID = 'INVALID_ID',
  SERVICE_UNAVAILABLE = 'DATABASE_UNAVAILABLE',
}

const TABLE: ErrorTable<CommonErrorCode> = {
  [CommonErrorCode.INVALID_CURSOR]: { status: 400, detail: 'cursor is malformed or expired' },
  [CommonErrorCode.INVALID_ID]: { status: 400, detail: 'id must be a UUID' },
  [CommonErrorCode.SERVICE_UNAVAILABLE]: {
    status: 503,
    detail: 'The database is unavailable; try again shortly',
  },
};

/** Failures shared by every module (cursors, ids, database outages). */
export class CommonException extends moduleException(TABLE) {}

import { type ErrorTable, moduleException } from '../errors/problem.exception';

export enum FairnessErrorCode {
  TENANT_BUSY = 'TENANT_BUSY',
  INSTANCE_BUSY = 'INSTANCE_BUSY',
  QUERY_TIMEOUT = 'QUERY_TIMEOUT',
}

const TABLE: ErrorTable<FairnessErrorCode> = {
  [FairnessErrorCode.TENANT_BUSY]: {
    status: 429,
    detail: 'This tenant runs as many of these operations at once as it may; retry shortly',
  },
  [FairnessErrorCode.INSTANCE_BUSY]: {
    status: 503,
    detail: 'The server runs as many heavy operations as it may; retry shortly',
  },
  [FairnessErrorCode.QUERY_TIMEOUT]: {
    status: 503,
    detail: 'The query took longer than its time limit and was cancelled',
  },
};

/** Refusals of the per-tenant concurrency caps and of statement timeouts. */
export class FairnessException extends moduleException(TABLE) {}

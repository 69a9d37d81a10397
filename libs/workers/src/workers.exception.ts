import { type ErrorTable, moduleException } from '@app/common';

export enum WorkersErrorCode {
  /** The task ran past its time budget and its thread was terminated. */
  WORK_TIME_LIMIT = 'WORK_TIME_LIMIT',
  /** The task needed more memory than a worker may hold and its thread died. */
  WORK_MEMORY_LIMIT = 'WORK_MEMORY_LIMIT',
  /** Every worker is busy and the queue is full. */
  WORKERS_BUSY = 'WORKERS_BUSY',
}

const TABLE: ErrorTable<WorkersErrorCode> = {
  [WorkersErrorCode.WORK_TIME_LIMIT]: {
    status: 422,
    detail: 'The request needs more processing time than one request may use',
  },
  [WorkersErrorCode.WORK_MEMORY_LIMIT]: {
    status: 422,
    detail: 'The request needs more memory than one request may use',
  },
  [WorkersErrorCode.WORKERS_BUSY]: {
    status: 503,
    detail: 'Every worker is busy; try again shortly',
  },
};

/** Refusals of off-loop work: over its limits (422) or no capacity left (503). */
export class WorkersException extends moduleException(TABLE) {}

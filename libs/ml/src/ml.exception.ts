import { type ErrorTable, moduleException } from '@app/common';
import { MAX_TEXT_LENGTH } from './ml-limits';

export enum MlErrorCode {
  /** Neither `text` nor `blockId`, or both. */
  INPUT_REQUIRED = 'INPUT_REQUIRED',
  TEXT_TOO_LARGE = 'TEXT_TOO_LARGE',
  MODEL_NOT_TRAINED = 'MODEL_NOT_TRAINED',
  NOT_ENOUGH_EXAMPLES = 'NOT_ENOUGH_EXAMPLES',
  EMBEDDINGS_NOT_CONFIGURED = 'EMBEDDINGS_NOT_CONFIGURED',
}

const TABLE: ErrorTable<MlErrorCode> = {
  [MlErrorCode.INPUT_REQUIRED]: {
    status: 400,
    detail: 'Give exactly one of text or blockId',
  },
  [MlErrorCode.TEXT_TOO_LARGE]: {
    status: 413,
    detail: `The text is longer than the limit of ${MAX_TEXT_LENGTH} characters`,
  },
  [MlErrorCode.MODEL_NOT_TRAINED]: {
    status: 409,
    detail: 'This tenant has no trained classifier; train one with POST /api/ml/classifier/train',
  },
  [MlErrorCode.NOT_ENOUGH_EXAMPLES]: {
    status: 422,
    detail: 'The blocks do not make a training set',
  },
  [MlErrorCode.EMBEDDINGS_NOT_CONFIGURED]: {
    status: 503,
    detail: 'No embedding provider is configured on this server',
  },
};

/** Refusals of the ML module, each with a stable `reason` and an HTTP status. */
export class MlException extends moduleException(TABLE) {}

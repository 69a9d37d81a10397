import { type ErrorTable, moduleException } from '@app/common';

export enum EmbeddingsErrorCode {
  EMBEDDINGS_NOT_CONFIGURED = 'EMBEDDINGS_NOT_CONFIGURED',
  /** The provider failed, timed out or answered something unusable, after every retry. */
  EMBEDDINGS_PROVIDER_FAILED = 'EMBEDDINGS_PROVIDER_FAILED',
  /** An exact scan (no pgvector) would read more of the tenant's vectors than allowed. */
  VECTOR_SCAN_TOO_LARGE = 'VECTOR_SCAN_TOO_LARGE',
}

const TABLE: ErrorTable<EmbeddingsErrorCode> = {
  [EmbeddingsErrorCode.EMBEDDINGS_NOT_CONFIGURED]: {
    status: 503,
    detail: 'No embedding provider is configured on this server',
  },
  [EmbeddingsErrorCode.EMBEDDINGS_PROVIDER_FAILED]: {
    status: 503,
    detail: 'The embedding provider did not answer usefully; retry later',
  },
  [EmbeddingsErrorCode.VECTOR_SCAN_TOO_LARGE]: {
    status: 422,
    detail:
      'This tenant has more vectors than an exact scan may read (EMBEDDINGS_SCAN_MAX_VECTORS)',
  },
};

/** Refusals of the embeddings module, each with a stable `reason` and an HTTP status. */
export class EmbeddingsException extends moduleException(TABLE) {}

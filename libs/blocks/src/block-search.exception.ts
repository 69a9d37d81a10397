import { type ErrorTable, moduleException } from '@app/common';

export enum BlockSearchErrorCode {
  EMBEDDINGS_NOT_CONFIGURED = 'EMBEDDINGS_NOT_CONFIGURED',
}

const TABLE: ErrorTable<BlockSearchErrorCode> = {
  [BlockSearchErrorCode.EMBEDDINGS_NOT_CONFIGURED]: {
    status: 503,
    detail: 'Semantic search needs an embedding provider; none is configured on this server',
  },
};

/** Refusals of block search, each with a stable `reason` and an HTTP status. */
export class BlockSearchException extends moduleException(TABLE) {}

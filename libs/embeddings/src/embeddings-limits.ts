/**
 * Characters of a text sent to the provider: embedding models read at most a few thousand
 * tokens (OpenAI's 8191, nomic-embed-text's 8192, most BERT-sized ones 512), and a longer
 * input is refused by some servers, so every text is cut here first.
 */
export const MAX_INPUT_CHARS = 8_000;

/** Outbox rows one poller claims per round; one round is a few provider batches at most. */
export const CLAIM_LIMIT = 64;

/** Longest pause of a poller after provider errors (the interval, doubling per failed round). */
export const MAX_POLL_BACKOFF_MS = 5 * 60_000;

/** Longest wait of a failed outbox row (the poll interval times 2^attempts) before its next try. */
export const ROW_RETRY_MAX_SECONDS = 3600;

/** Live blocks lacking a vector of the current model, enqueued per backfill round. */
export const BACKFILL_LIMIT = 500;

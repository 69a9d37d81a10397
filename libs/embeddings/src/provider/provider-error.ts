/** What went wrong with one provider request; a fixed set, used as a metric label. */
export type ProviderErrorKind = 'timeout' | 'network' | 'http_4xx' | 'http_5xx' | 'invalid';

/** A failed provider request; `retryable` says whether another attempt may succeed. */
export class ProviderError extends Error {
  override readonly name = 'ProviderError';

  constructor(
    readonly kind: ProviderErrorKind,
    message: string,
    readonly retryable: boolean,
    /** Seconds the provider asked us to wait (Retry-After), when it did. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

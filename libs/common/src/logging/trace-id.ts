type TraceIdSource = () => string | undefined;

// No OpenTelemetry import here: with tracing off nothing of it may be loaded.
let source: TraceIdSource = () => undefined;

/** Installed once at start-up when tracing is on; reads the active span's trace id. */
export function useTraceIds(next: TraceIdSource): void {
  source = next;
}

/** The trace id of the work in progress, or undefined when tracing is off or unsampled. */
export function currentTraceId(): string | undefined {
  return source();
}

import { FastifyOtelInstrumentation } from '@fastify/otel';
import { TraceFlags, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { NodeSDK } from '@opentelemetry/sdk-node';

// Probes and scrapes come every few seconds and say nothing about a request's path.
const UNTRACED = /^\/(health\/(live|ready)|metrics)(\?|$)/;

/**
 * Starts OpenTelemetry: one server span per request, Fastify's handler, pg queries and Redis
 * commands under it, exported over OTLP/HTTP protobuf. The standard OTEL_* variables configure
 * it (endpoint, service name, sampler). Loaded only when OTEL_EXPORTER_OTLP_ENDPOINT is set,
 * and before anything it instruments is required: patching happens at require time.
 */
const sdk = new NodeSDK({
  serviceName: process.env.OTEL_SERVICE_NAME?.trim() || 'content-blocks',
  traceExporter: new OTLPTraceExporter(),
  // Traces only: metrics stay on /metrics (Prometheus) and logs on stdout; given empty lists the
  // SDK starts neither its default OTLP metric reader nor its log exporter.
  metricReaders: [],
  logRecordProcessors: [],
  instrumentations: [
    new HttpInstrumentation({
      ignoreIncomingRequestHook: (request) => UNTRACED.test(request.url ?? ''),
    }),
    // Hook spans would double the span count of a request for no insight; the handler stays.
    new FastifyOtelInstrumentation({
      registerOnInitialization: true,
      instrumentHooks: false,
      ignorePaths: (route) => UNTRACED.test(route.url),
    }),
    // Background work (audit sealing, session notifications) would be a root trace per query;
    // a pool checkout span per query (a third of a read's spans) says nothing the query doesn't.
    new PgInstrumentation({ requireParentSpan: true, ignoreConnectSpans: true }),
    new IORedisInstrumentation({ requireParentSpan: true }),
  ],
});
sdk.start();

/** The active trace's id, when it is sampled (so it can be looked up in the trace store). */
export function currentTraceId(): string | undefined {
  const context = trace.getActiveSpan()?.spanContext();
  return context && context.traceFlags & TraceFlags.SAMPLED ? context.traceId : undefined;
}

// An unreachable collector is retried for ~10 s; shutdown must not wait that long for it.
const SHUTDOWN_BUDGET_MS = 2000;

/** Exports the spans still buffered; called on shutdown, before the process exits. */
export async function stopTracing(): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const budget = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`span export did not finish within ${SHUTDOWN_BUDGET_MS} ms`)),
      SHUTDOWN_BUDGET_MS,
    );
  });
  try {
    await Promise.race([sdk.shutdown(), budget]);
  } finally {
    clearTimeout(timer);
  }
}

import { Injectable } from '@nestjs/common';
import type { Counter, Histogram } from 'prom-client';
import {
  DURATION_BUCKETS,
  InjectMetric,
  appCounterProvider,
  appHistogramProvider,
} from '@app/metrics';

/**
 * Documents' metrics, provided by this module in the app's registry: assemblies and exports by
 * format and result, and how long rendering takes. Labels are fixed sets (format from the DTO's
 * enum, result from the code's outcomes).
 */
export const DOCUMENT_METRICS = [
  appCounterProvider({
    name: 'document_assemblies_total',
    help: 'Document assemblies, by result (stored, dry_run, refused, failed)',
    labelNames: ['result'],
  }),
  appCounterProvider({
    name: 'document_exports_total',
    help: 'Document exports, by format and result (success, refused, not_available, failed)',
    labelNames: ['format', 'result'],
  }),
  appHistogramProvider({
    name: 'document_render_duration_seconds',
    help: 'Time to render a document on the worker pool (assemble) or into a format (export)',
    labelNames: ['operation'],
    buckets: DURATION_BUCKETS,
  }),
];

/** The document metrics the assembly and export services write to. */
@Injectable()
export class DocumentMetrics {
  constructor(
    @InjectMetric('document_assemblies_total') readonly assemblies: Counter<'result'>,
    @InjectMetric('document_exports_total') readonly exports: Counter<'format' | 'result'>,
    @InjectMetric('document_render_duration_seconds')
    readonly renderDuration: Histogram<'operation'>,
  ) {}
}

import { Module } from '@nestjs/common';
import { DocumentExporter } from './document-exporter';
import { PdfRenderer } from './pdf-renderer';

/** Renderers of an assembled document; needs the global WorkersModule and ConfigModule. */
@Module({ providers: [DocumentExporter, PdfRenderer], exports: [DocumentExporter] })
export class ExportersModule {}

export { ExportersModule } from './exporters.module';
export { DocumentExporter } from './document-exporter';
export {
  EXPORT_FORMATS,
  type ExportedFile,
  type ExportFormat,
  type ExportSource,
  type TocEntry,
} from './export-format';
export { ExportersErrorCode, ExportersException } from './exporters.exception';

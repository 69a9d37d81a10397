import { Injectable } from '@nestjs/common';
import { AuditService } from '@app/audit';
import { RequestContext, TenantConcurrency } from '@app/common';
import { AssembliesRepository } from './assemblies.repository';
import { DocumentMetrics } from './document-metrics';
import { AssemblyService } from './assembly.service';
import { DOCUMENT_AUDIT } from './documents.service';
import type { ExportFormat } from './dto/assembly.dto';
import { DocumentExporter, type ExportSource, type ExportedFile } from '@app/exporters';
import { slugOf } from './export-renderers';

/** `GET /api/documents/{id}/export`: a stored assembly (or a new one) through the exporters. */
@Injectable()
export class DocumentExportService {
  constructor(
    private readonly assemblies: AssemblyService,
    private readonly repository: AssembliesRepository,
    private readonly audit: AuditService,
    private readonly exporter: DocumentExporter,
    private readonly concurrency: TenantConcurrency,
    private readonly metrics: DocumentMetrics,
  ) {}

  async export(
    documentId: string,
    format: ExportFormat,
    assemblyId?: string,
  ): Promise<ExportedFile & { filename: string }> {
    try {
      const file = await this.run(documentId, format, assemblyId);
      this.metrics.exports.inc({ format, result: 'success' });
      return file;
    } catch (error) {
      const status = (error as { status?: number }).status ?? 500;
      const result = status === 501 ? 'not_available' : status < 500 ? 'refused' : 'failed';
      this.metrics.exports.inc({ format, result });
      throw error;
    }
  }

  private async run(documentId: string, format: ExportFormat, assemblyId?: string) {
    // A format this server cannot produce (PDF without a browser) is refused before any work.
    this.exporter.assertAvailable(format);
    const source: ExportSource & { id: string } = assemblyId
      ? await this.assemblies.get(documentId, assemblyId)
      : await this.assemblies.assemble(documentId, {}).then((a) => ({ ...a, id: a.id! }));
    const started = process.hrtime.bigint();
    // Rendering (DOCX, PDF through the browser, HTML) holds the tenant's `render` slot; the
    // instance-wide PDF browser limit still applies inside it.
    const file = await this.concurrency.run('render', RequestContext.tenantId(), () =>
      this.exporter.export(format, {
        title: source.title,
        markdown: source.markdown,
        toc: source.toc,
      }),
    );
    this.metrics.renderDuration.observe(
      { operation: `export_${format}` },
      Number(process.hrtime.bigint() - started) / 1e9,
    );
    await this.repository.transaction((manager) =>
      this.audit.record(manager, {
        action: DOCUMENT_AUDIT.export,
        resourceType: 'document',
        resourceId: documentId,
        changes: {
          before: null,
          after: { assemblyId: source.id, format, bytes: file.body.length },
        },
      }),
    );
    return { ...file, filename: `${slugOf(source.title)}.${file.extension}` };
  }
}

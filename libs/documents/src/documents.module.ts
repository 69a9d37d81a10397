import { Module, type OnModuleInit } from '@nestjs/common';
import { BlocksModule } from '@app/blocks';
import { ExportersModule } from '@app/exporters';
import { type ContentNode, TemplatesModule, TemplatesService } from '@app/templates';
import { AssembliesRepository } from './assemblies.repository';
import { AssemblyService } from './assembly.service';
import { BlockUsagesController } from './block-usages.controller';
import { BlockUsagesService } from './block-usages.service';
import { DocumentAssembliesController } from './document-assemblies.controller';
import { DocumentExportService } from './document-export.service';
import { DOCUMENT_METRICS, DocumentMetrics } from './document-metrics';
import { DocumentsController } from './documents.controller';
import { DocumentsRepository } from './documents.repository';
import { DocumentsService } from './documents.service';
import { ReferenceResolver } from './reference-resolver';

/** Documents: assembled from blocks, pinned or following, exported; and where-used of blocks. */
@Module({
  imports: [BlocksModule, TemplatesModule, ExportersModule],
  controllers: [DocumentsController, DocumentAssembliesController, BlockUsagesController],
  providers: [
    DocumentsService,
    DocumentsRepository,
    AssembliesRepository,
    AssemblyService,
    DocumentExportService,
    BlockUsagesService,
    ReferenceResolver,
    ...DOCUMENT_METRICS,
    DocumentMetrics,
  ],
  exports: [DocumentsService, AssemblyService],
})
export class DocumentsModule implements OnModuleInit {
  constructor(
    private readonly templates: TemplatesService,
    private readonly documents: DocumentsService,
  ) {}

  /** Templates' block nodes obey the reference rules of documents (known ids, no cycles). */
  onModuleInit(): void {
    this.templates.useBlockCheck({
      check: async (nodes) => {
        const blocks = nodes.filter((node): node is ContentNode => node.kind === 'block');
        await this.documents.validate(blocks, new Set());
      },
    });
  }
}

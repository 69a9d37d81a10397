export { DocumentsModule } from './documents.module';
export { DocumentsService, DOCUMENT_AUDIT } from './documents.service';
export { AssemblyService } from './assembly.service';
export { type ExportSource, type ExportedFile } from './export-renderers';
export { DocumentsErrorCode, DocumentsException } from './documents.exception';

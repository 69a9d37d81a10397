export { TemplatesModule } from './templates.module';
export {
  TemplatesService,
  TEMPLATE_AUDIT,
  assertSyntax,
  actorId,
  type TemplateBlockCheck,
} from './templates.service';
export { TemplateRenderer, liquidException } from './template-renderer';
export { TemplatesErrorCode, TemplatesException } from './templates.exception';
export type { TemplateRow } from './templates.repository';
export { TemplateDto, NODES_SCHEMA } from './dto/template.dto';
export { CONTENT_NODE_MODELS, PIN_SCHEMA, nodesSchema } from './dto/nodes.dto';
export * from './nodes';
export { checkVariables, type VariablesSchema } from './variables-schema';
export type { TocEntry } from './markdown-outline';
export type { RenderPiece, RenderOutput, LiquidFailure } from './liquid.worker';
export { etagOf, ifMatchHolds } from './etag';

/**
 * Size bounds of documents and their assemblies. Named in every refusal, so a client knows
 * which one it hit.
 */
export const DOCUMENT_LIMITS = {
  /** Nodes of a document once its template slots are filled (413 beyond). */
  maxNodes: 1000,
  /** Nesting of `{% include_block %}` below a document's block node (422 beyond). */
  maxIncludeDepth: 16,
  /** Block references resolved for one document, includes counted per occurrence (422 beyond). */
  maxReferences: 5000,
  /** UTF-8 bytes of an assembled document (422 beyond). */
  maxAssembledBytes: 5 * 1024 * 1024,
  /** Time budget of one render on the worker pool. */
  renderTimeoutMs: 5000,
  /** Block ids of one `bump` list (400 beyond). */
  maxBumpIds: 1000,
  /** Profile attributes read by an assembly; later ones are ignored. */
  maxProfileAttributes: 64,
  /** Values of one profile attribute (400 beyond). */
  maxProfileValues: 64,
  /** Characters of one profile value (400 beyond). */
  maxProfileValueLength: 100,
};

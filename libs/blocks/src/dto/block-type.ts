export enum BlockType {
  TEXT = 'text',
  MARKDOWN = 'markdown',
  HTML = 'html',
}

export enum RelationType {
  REFERENCES = 'references',
  CONTAINS = 'contains',
  DERIVED_FROM = 'derived-from',
}

export enum BlockSort {
  UPDATED_AT = 'updatedAt',
  UPDATED_AT_DESC = '-updatedAt',
  TITLE = 'title',
}

import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { RequestContext } from '@app/common';
import type { TrainingExample } from './analysis/classifier';
import { MAX_TRAINING_BLOCKS, MAX_TRAINING_CHARS } from './ml-limits';
import type { LabelSource } from './classifier-models.repository';

/**
 * The tenant's live blocks as training examples, newest first and bounded in count and size
 * (the blocks module exports no bulk read; this one reads only what training needs, through
 * the tenant's own index on (tenant_id, updated_at)).
 */
const EXAMPLES = `
  SELECT id, left(title || E'\\n' || content, $2) AS text, type, tags
  FROM blocks WHERE tenant_id = $1 AND deleted_at IS NULL
  ORDER BY updated_at DESC, id DESC LIMIT $3`;

const COUNT = `SELECT count(*)::int AS n FROM blocks WHERE tenant_id = $1 AND deleted_at IS NULL`;

interface ExampleRow {
  id: string;
  text: string;
  type: string;
  tags: string[];
}

/** Reads of blocks for the classifier, scoped by the request's tenant. */
@Injectable()
export class TrainingExamplesRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async examples(labelFrom: LabelSource): Promise<TrainingExample[]> {
    const rows: ExampleRow[] = await this.dataSource.query(EXAMPLES, [
      RequestContext.tenantId(),
      MAX_TRAINING_CHARS,
      MAX_TRAINING_BLOCKS,
    ]);
    return rows.map((row) => ({
      id: row.id,
      text: row.text,
      labels: labelFrom === 'type' ? [row.type] : [...new Set(row.tags)],
    }));
  }

  async countBlocks(): Promise<number> {
    const rows: Array<{ n: number }> = await this.dataSource.query(COUNT, [
      RequestContext.tenantId(),
    ]);
    return rows[0]?.n ?? 0;
  }
}

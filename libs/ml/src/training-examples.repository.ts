import { Injectable } from '@nestjs/common';
import { BlocksService } from '@app/blocks';
import type { TrainingExample } from './analysis/classifier';
import { MAX_TRAINING_BLOCKS, MAX_TRAINING_CHARS } from './ml-limits';
import type { LabelSource } from './classifier-models.repository';

/**
 * The tenant's live blocks as training examples, newest first and bounded in count and size.
 * The blocks module owns that table: its service reads them, scoped by the request's tenant.
 */
@Injectable()
export class TrainingExamplesRepository {
  constructor(private readonly blocks: BlocksService) {}

  async examples(labelFrom: LabelSource): Promise<TrainingExample[]> {
    const rows = await this.blocks.trainingExamples(MAX_TRAINING_CHARS, MAX_TRAINING_BLOCKS);
    return rows.map((row) => ({
      id: row.id,
      text: row.text,
      labels: labelFrom === 'type' ? [row.type] : [...new Set(row.tags)],
    }));
  }

  countBlocks(): Promise<number> {
    return this.blocks.countLive();
  }
}

import { Injectable } from '@nestjs/common';
import type { AnalysisDto, EntitiesDto, SummaryDto } from './dto/analysis.dto';
import type { SummarizeDto } from './dto/summarize.dto';
import type { TextInputDto } from './dto/text-input.dto';
import { DEFAULT_SUMMARY_SENTENCES } from './ml-limits';
import { MlRunner } from './ml-runner';
import { ML_TASKS } from './ml-tasks';
import { TextSource } from './text-source';

/** Analysis, entities and summaries of a text or a block, computed on the worker pool. */
@Injectable()
export class TextAnalysisService {
  constructor(
    private readonly source: TextSource,
    private readonly runner: MlRunner,
  ) {}

  analyze(input: TextInputDto): Promise<AnalysisDto> {
    return this.runner.observe('analyze', async () => {
      const { text } = await this.source.resolve(input);
      return this.runner.run(ML_TASKS.analyze, { text });
    });
  }

  entities(input: TextInputDto): Promise<EntitiesDto> {
    return this.runner.observe('entities', async () => {
      const { text } = await this.source.resolve(input);
      return this.runner.run(ML_TASKS.entities, { text });
    });
  }

  summarize(input: SummarizeDto): Promise<SummaryDto> {
    return this.runner.observe('summarize', async () => {
      const { text } = await this.source.resolve(input);
      const sentences = input.sentences ?? DEFAULT_SUMMARY_SENTENCES;
      return this.runner.run(ML_TASKS.summarize, { text, sentences });
    });
  }
}

import { Module } from '@nestjs/common';
import { TemplateRenderer } from './template-renderer';
import { TemplatesController } from './templates.controller';
import { TemplatesRepository } from './templates.repository';
import { TemplatesService } from './templates.service';

/** Templates: versioned document skeletons with a variables schema and Liquid text. */
@Module({
  controllers: [TemplatesController],
  providers: [TemplatesService, TemplatesRepository, TemplateRenderer],
  exports: [TemplatesService, TemplateRenderer],
})
export class TemplatesModule {}

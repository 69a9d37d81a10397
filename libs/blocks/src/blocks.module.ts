import { Module, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { AppConfig } from '@app/config';
import { BlockBulkService } from './block-bulk.service';
import { configureBlockLimits } from './block-limits';
import { BlockRelationsRepository } from './block-relations.repository';
import { BlockRelationsService } from './block-relations.service';
import { BlockSearchController } from './block-search.controller';
import { BlockSearchRepository } from './block-search.repository';
import { BlockSearchService } from './block-search.service';
import { BlockSimilarRepository } from './block-similar.repository';
import { BlockTransferRepository } from './block-transfer.repository';
import { BlockTransferService } from './block-transfer.service';
import { BlockVersionsRepository } from './block-versions.repository';
import { BlockVersionsService } from './block-versions.service';
import { BlockBulkController } from './block-bulk.controller';
import { BlockRelationsController } from './block-relations.controller';
import { BlockTransferController } from './block-transfer.controller';
import { BlockVersionsController } from './block-versions.controller';
import { BlocksCrudController } from './blocks-crud.controller';
import { BlocksStatistics } from './blocks-statistics';
import { BlocksRepository } from './blocks.repository';
import { BlocksService } from './blocks.service';
import { registerNdjsonParser } from './ndjson';
import { VersionNumberPipe } from './version-number.pipe';

/** Content blocks: CRUD, versions, relations, search, bulk, NDJSON export and import. */
@Module({
  // In this order: fixed paths (search, suggest, export, bulk) before `/:id`, and the OpenAPI
  // document lists the paths as it always did.
  controllers: [
    BlockSearchController,
    BlockTransferController,
    BlockBulkController,
    BlocksCrudController,
    BlockVersionsController,
    BlockRelationsController,
  ],
  providers: [
    BlocksRepository,
    BlocksStatistics,
    BlockVersionsRepository,
    BlockRelationsRepository,
    BlockTransferRepository,
    BlocksService,
    BlockVersionsService,
    BlockRelationsService,
    BlockSearchRepository,
    BlockSearchService,
    BlockSimilarRepository,
    BlockTransferService,
    BlockBulkService,
    VersionNumberPipe,
  ],
  exports: [BlocksService],
})
export class BlocksModule implements OnModuleInit {
  constructor(
    config: AppConfig,
    private readonly adapterHost: HttpAdapterHost,
  ) {
    configureBlockLimits(config.blocks);
  }

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (fastify) registerNdjsonParser(fastify);
  }
}

import { Module, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { FastifyInstance } from 'fastify';
import { AppConfig } from '@app/config';
import { BlockBulkService } from './block-bulk.service';
import { configureBlockLimits } from './block-limits';
import { BlockRelationsService } from './block-relations.service';
import { BlockSearchController } from './block-search.controller';
import { BlockSearchRepository } from './block-search.repository';
import { BlockSearchService } from './block-search.service';
import { BlockTransferService } from './block-transfer.service';
import { BlockVersionsService } from './block-versions.service';
import { BlocksController } from './blocks.controller';
import { BlocksService } from './blocks.service';
import { BlockRelationEntity } from './entities/block-relation.entity';
import { BlockVersionEntity } from './entities/block-version.entity';
import { BlockEntity } from './entities/block.entity';
import { registerNdjsonParser } from './ndjson';
import { VersionNumberPipe } from './version-number.pipe';

/** Content blocks: CRUD, versions, relations, search, bulk, NDJSON export and import. */
@Module({
  imports: [TypeOrmModule.forFeature([BlockEntity, BlockVersionEntity, BlockRelationEntity])],
  controllers: [BlockSearchController, BlocksController],
  providers: [
    BlocksService,
    BlockVersionsService,
    BlockRelationsService,
    BlockSearchRepository,
    BlockSearchService,
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

export { BlocksModule } from './blocks.module';
export { BlocksService } from './blocks.service';
export { BlockDto } from './dto/block.dto';
export { BlockType, RelationType, BlockSort } from './dto/block-type';
export { DEFAULT_BLOCK_LIMITS, type BlockLimits } from './block-limits';

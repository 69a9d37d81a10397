export { BlocksModule } from './blocks.module';

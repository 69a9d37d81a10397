import { Test } from '@nestjs/testing';
import { ConfigModule, loadConfig } from '@app/config';
import { WorkersModule } from '@app/workers';
import { DocumentExporter } from './document-exporter';
import { ExportersModule } from './exporters.module';

describe('ExportersModule', () => {
  it('provides a DocumentExporter from the global config and worker pool', async () => {
    const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: '/tmp' });
    const module = await Test.createTestingModule({
      imports: [ConfigModule.forRoot(config), WorkersModule, ExportersModule],
    }).compile();
    const exporter = module.get(DocumentExporter);
    const file = await exporter.export('markdown', { title: 't', markdown: '# x', toc: [] });
    expect(file.body.toString()).toBe('# x');
    await module.close();
  });
});

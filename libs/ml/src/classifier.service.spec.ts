import { RequestContext } from '@app/common';
import type { AuditService } from '@app/audit';
import type { ClassifierModelsRepository } from './classifier-models.repository';
import { ClassifierService } from './classifier.service';
import type { MlRunner } from './ml-runner';
import type { TextSource } from './text-source';
import type { TrainingExamplesRepository } from './training-examples.repository';

describe('ClassifierService', () => {
  const runner = {
    observe: (_op: string, work: () => Promise<unknown>) => work(),
    run: jest.fn(),
  } as unknown as MlRunner & { run: jest.Mock };
  const models = {
    latestWithModel: jest.fn(),
    transaction: jest.fn(),
  } as unknown as ClassifierModelsRepository & {
    latestWithModel: jest.Mock;
    transaction: jest.Mock;
  };
  const examples = {
    examples: jest.fn().mockResolvedValue([]),
  } as unknown as TrainingExamplesRepository;
  const source = {
    resolve: jest.fn().mockResolvedValue({ text: 'hello' }),
  } as unknown as TextSource;
  const service = new ClassifierService(models, examples, source, runner, {} as AuditService);

  beforeEach(() => jest.spyOn(RequestContext, 'tenantId').mockReturnValue('tenant-a'));
  afterEach(() => jest.restoreAllMocks());

  it('answers 409 MODEL_NOT_TRAINED when the tenant has no model, without running a task', async () => {
    models.latestWithModel.mockResolvedValue(undefined);
    await expect(service.classify({ text: 'hello' })).rejects.toMatchObject({
      status: 409,
      reason: 'MODEL_NOT_TRAINED',
    });
    expect(runner.run).not.toHaveBeenCalled();
  });

  it('turns a refused training set into a 422 and stores nothing', async () => {
    runner.run.mockResolvedValue({ refused: 'Training needs at least 2 labels' });
    await expect(service.train({ labelFrom: 'tags' })).rejects.toMatchObject({
      status: 422,
      reason: 'NOT_ENOUGH_EXAMPLES',
      detail: 'Training needs at least 2 labels',
    });
    expect(models.transaction).not.toHaveBeenCalled();
  });

  it('names the model by tenant and version so each thread imports it once', async () => {
    models.latestWithModel.mockResolvedValue({ version: 3, model: '{}' });
    runner.run.mockResolvedValue({ label: 'a', confidence: 0.9, alternatives: [] });
    await expect(service.classify({ text: 'hello' })).resolves.toEqual({
      label: 'a',
      confidence: 0.9,
      alternatives: [],
      modelVersion: 3,
    });
    expect(runner.run.mock.calls.at(-1)[1]).toEqual({
      key: 'tenant-a:3',
      model: '{}',
      text: 'hello',
    });
  });
});

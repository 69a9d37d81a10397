import { Injectable } from '@nestjs/common';
import { WorkerPool, WorkersException, defineWorkerTask } from '@app/workers';
import { DEFAULT_LIQUID_LIMITS } from './liquid-engine';
import type { LiquidFailure, RenderInput, RenderOutput, SyntaxCheckInput } from './liquid.worker';
import { TemplatesErrorCode, TemplatesException } from './templates.exception';

const CHECK = defineWorkerTask<SyntaxCheckInput, { errors: LiquidFailure[] }>(
  __dirname,
  'liquid.worker',
  'checkSyntax',
);
const RENDER = defineWorkerTask<RenderInput, RenderOutput>(
  __dirname,
  'liquid.worker',
  'renderPieces',
);

/** Liquid parsing and rendering, always on the worker pool (its kill timer is not cooperative). */
@Injectable()
export class TemplateRenderer {
  constructor(private readonly pool: WorkerPool) {}

  /** The first syntax error of each source, with the source's index, line and column. */
  async syntaxErrors(sources: string[]): Promise<LiquidFailure[]> {
    if (!sources.length) return [];
    const { errors } = await this.onPool(() =>
      this.pool.run(CHECK, { sources, limits: DEFAULT_LIQUID_LIMITS }),
    );
    return errors;
  }

  render(input: Omit<RenderInput, 'limits'>): Promise<RenderOutput> {
    return this.onPool(() => this.pool.run(RENDER, { ...input, limits: DEFAULT_LIQUID_LIMITS }));
  }

  /** Over the pool's time or heap budget is the template's fault: 422, not a 5xx. */
  private async onPool<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (error instanceof WorkersException && error.status === 422) {
        throw new TemplatesException(TemplatesErrorCode.TEMPLATE_LIMIT_EXCEEDED, error.detail);
      }
      throw error;
    }
  }
}

/** The 422 for a failed parse or render, naming where it happened. */
export function liquidException(
  failure: LiquidFailure,
  where: Record<string, unknown>,
): TemplatesException {
  const position = failure.line ? ` at line ${failure.line}, column ${failure.column}` : '';
  const code =
    failure.kind === 'syntax'
      ? TemplatesErrorCode.TEMPLATE_SYNTAX_ERROR
      : failure.kind === 'limit'
        ? TemplatesErrorCode.TEMPLATE_LIMIT_EXCEEDED
        : TemplatesErrorCode.TEMPLATE_RENDER_FAILED;
  return new TemplatesException(code, `${failure.message}${position}`, undefined, {
    ...where,
    ...(failure.line ? { line: failure.line, column: failure.column } : {}),
  });
}

import { Liquid } from 'liquidjs';

/** What one render may use; the worker pool's kill timer and heap cap stand behind these. */
export interface LiquidLimits {
  /** Characters parsed per template (liquidjs `parseLimit`). */
  parseLimit: number;
  /** Milliseconds per render call (liquidjs `renderLimit`, cooperative). */
  renderLimit: number;
  /** Allocation budget per render (liquidjs `memoryLimit`: string and array growth). */
  memoryLimit: number;
}

export const DEFAULT_LIQUID_LIMITS: LiquidLimits = {
  parseLimit: 2_000_000,
  renderLimit: 2_000,
  memoryLimit: 32_000_000,
};

/**
 * A Liquid engine for user-written text. `templates: {}` makes every `{% include %}`,
 * `{% render %}` and `{% layout %}` look in an empty in-memory map, so none reads the disk;
 * `ownPropertyOnly` hides prototypes (`constructor`, `__proto__`); `strictFilters` makes an
 * unknown filter a parse error instead of silently dropped text.
 */
export function createLiquid(limits: LiquidLimits): Liquid {
  return new Liquid({
    templates: {},
    relativeReference: false,
    dynamicPartials: false,
    ownPropertyOnly: true,
    strictFilters: true,
    strictVariables: false,
    cache: false,
    parseLimit: limits.parseLimit,
    renderLimit: limits.renderLimit,
    memoryLimit: limits.memoryLimit,
  });
}

/** Where a Liquid error points, read from its token (1-based line and column). */
export function errorPosition(error: unknown): { line: number; column: number } | null {
  const token = (error as { token?: { getPosition?: () => number[] } } | null)?.token;
  if (!token || typeof token.getPosition !== 'function') return null;
  const [line, column] = token.getPosition();
  return { line, column };
}

/** A Liquid error's message without the source excerpt and position it appends. */
export function errorMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // The lookup error names the engine's root directory: say what happened instead.
  if (/Failed to lookup/.test(message)) {
    return 'include, render and layout have no templates to load here (use include_block for blocks)';
  }
  return message.replace(/, line:\d+, col:\d+[\s\S]*$/, '').slice(0, 300);
}

/** liquidjs's own DoS guards report these; they are limits, not mistakes in the text. */
export function isLimitError(error: unknown): boolean {
  const text = `${error instanceof Error ? error.message : String(error)} ${
    (error as { originalError?: Error } | null)?.originalError?.message ?? ''
  }`;
  return /limit exceeded|Invalid array length|Invalid string length|Maximum call stack/i.test(text);
}

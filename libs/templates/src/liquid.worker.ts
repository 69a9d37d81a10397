/**
 * Liquid rendering off the event loop. Plain module (no Nest): the worker pool loads it in a
 * thread with a heap cap and a kill timer, since liquidjs's own limits are cooperative.
 * Failures come back as values, so their position survives the thread boundary.
 */
import {
  type LiquidLimits,
  createLiquid,
  errorMessage,
  errorPosition,
  isLimitError,
} from './liquid-engine';
import { type TocEntry, offsetHeadings, outline, tocMarkdown } from './markdown-outline';

export interface SyntaxCheckInput {
  sources: string[];
  limits: LiquidLimits;
}

export interface LiquidFailure {
  kind: 'syntax' | 'limit' | 'render' | 'too-large';
  /** Index of the source or piece that failed. */
  index: number;
  message: string;
  line?: number;
  column?: number;
}

/** Parses each source; the first failure of each is reported with its line and column. */
export function checkSyntax(input: SyntaxCheckInput): { errors: LiquidFailure[] } {
  const liquid = createLiquid(input.limits);
  const errors: LiquidFailure[] = [];
  input.sources.forEach((source, index) => {
    try {
      liquid.parse(source);
    } catch (error) {
      errors.push(failure(error, index, 'syntax'));
    }
  });
  return { errors };
}

/** One part of a document in order: Liquid source, or text to keep as it is (HTML blocks). */
export interface RenderPiece {
  text: string;
  liquid: boolean;
  headingOffset: number;
  /** A heading node: rendered to a single line. */
  singleLine?: boolean;
  /** Where the table of contents goes (its text is ignored). */
  toc?: boolean;
}

export interface RenderInput {
  pieces: RenderPiece[];
  variables: Record<string, unknown>;
  limits: LiquidLimits;
  /** Write heading numbers into the markdown (documents with a table of contents). */
  numberHeadings: boolean;
  maxOutputBytes: number;
}

export type RenderOutput =
  { ok: true; markdown: string; toc: TocEntry[] } | { ok: false; error: LiquidFailure };

const TOC_MARK = '\u0000toc\u0000';

/**
 * Renders every piece with the same variables (values are data: rendered output is never parsed
 * again), joins them as paragraphs, numbers the headings and fills in the table of contents.
 */
export async function renderPieces(input: RenderInput): Promise<RenderOutput> {
  const liquid = createLiquid(input.limits);
  const parts: string[] = [];
  let bytes = 0;
  for (let index = 0; index < input.pieces.length; index++) {
    const piece = input.pieces[index];
    if (piece.toc) {
      parts.push(TOC_MARK);
      continue;
    }
    let text: string;
    // Text without Liquid markup renders to itself: most block content, skipped cheaply.
    if (piece.liquid && (piece.text.includes('{{') || piece.text.includes('{%'))) {
      let templates;
      try {
        templates = liquid.parse(piece.text);
      } catch (error) {
        return { ok: false, error: failure(error, index, 'syntax') };
      }
      try {
        text = String(await liquid.render(templates, input.variables));
      } catch (error) {
        return { ok: false, error: failure(error, index, 'render') };
      }
    } else {
      text = piece.text;
    }
    if (piece.singleLine) text = joinLines(text);
    text = offsetHeadings(text.trimEnd(), piece.headingOffset);
    bytes += Buffer.byteLength(text) + 2;
    if (bytes > input.maxOutputBytes) {
      return {
        ok: false,
        error: { kind: 'too-large', index, message: `over ${input.maxOutputBytes} bytes` },
      };
    }
    parts.push(text);
  }
  const joined = parts.filter((part) => part !== '').join('\n\n');
  const { markdown, toc } = outline(joined, input.numberHeadings && joined.includes(TOC_MARK));
  const filled = markdown.split(TOC_MARK).join(tocMarkdown(toc));
  return { ok: true, markdown: filled.endsWith('\n') ? filled : `${filled}\n`, toc };
}

function failure(error: unknown, index: number, kind: LiquidFailure['kind']): LiquidFailure {
  const position = errorPosition(error);
  return {
    kind: isLimitError(error) ? 'limit' : kind,
    index,
    message: errorMessage(error),
    ...(position ?? {}),
  };
}

/**
 * Each line break with the blanks around it (blank lines included) becomes one space; by
 * splitting, since `\s*\n\s*` backtracks quadratically on long runs of blanks.
 */
function joinLines(text: string): string {
  const parts = text.split('\n');
  if (parts.length === 1) return text;
  const middle = parts
    .slice(1, -1)
    .map((part) => part.trim())
    .filter(Boolean);
  return [parts[0].trimEnd(), ...middle, parts[parts.length - 1].trimStart()].join(' ');
}

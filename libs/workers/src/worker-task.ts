import { existsSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/** A function exported by a worker file: `name` of the module compiled from `file`. */
export interface WorkerTask<I, O> {
  readonly filename: string;
  readonly name: string;
  /** Phantom: ties the input and output types to the task. */
  readonly __types?: (input: I) => O;
}

/**
 * Names a task function exported by a worker module beside the caller: pass the caller's
 * `__dirname` and the module's base name (`'diff.worker'`). Worker threads load JavaScript, so
 * when the caller runs from TypeScript sources (Jest) the compiled twin under `dist/` is used,
 * which `npm run build` produces.
 */
export function defineWorkerTask<I, O>(
  dirname: string,
  module: string,
  name: string,
): WorkerTask<I, O> {
  return { filename: resolveWorkerFile(dirname, module), name };
}

export function resolveWorkerFile(dirname: string, module: string): string {
  const beside = join(dirname, `${module}.js`);
  if (existsSync(beside)) return beside;
  const root = projectRoot(dirname);
  return join(root, 'dist', relative(root, dirname), `${module}.js`);
}

function projectRoot(dirname: string): string {
  const parts = dirname.split(sep);
  const at = parts.lastIndexOf('libs');
  if (at <= 0) throw new Error(`Worker modules must live under libs/: ${dirname}`);
  return parts.slice(0, at).join(sep) || sep;
}

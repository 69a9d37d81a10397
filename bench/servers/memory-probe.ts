// Preloaded (`node -r`) into the API under bench: answers `{ type: 'memory?' }` on the IPC
// channel with process.memoryUsage(), so the bench can read heap as well as RSS. With
// `{ type: 'memory?', gc: true }` and the bench's `--expose-gc`, a full collection runs first: the
// heap in use after it is the floor, what the process really holds. With `detail: true` it adds
// V8's heap spaces and the loaded CommonJS modules counted by package: what is resident, and why.
import { getHeapSpaceStatistics } from 'node:v8';

/** `node_modules/@scope/name/…` → `@scope/name`; the app's own files → `(app)`. */
function packageOf(file: string): string {
  const at = file.lastIndexOf('node_modules/');
  if (at < 0) return '(app)';
  const parts = file.slice(at + 'node_modules/'.length).split('/');
  return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
}

function modulesByPackage(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const file of Object.keys(require.cache)) {
    const name = packageOf(file);
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}

function heapSpaces(): Record<string, number> {
  return Object.fromEntries(getHeapSpaceStatistics().map((s) => [s.space_name, s.space_size]));
}

if (process.send) {
  process.on('message', (message: { type?: string; gc?: boolean; detail?: boolean }) => {
    if (message?.type !== 'memory?') return;
    const collect = message.gc === true && typeof global.gc === 'function';
    if (collect) global.gc!();
    process.send?.({
      type: 'memory',
      collected: collect,
      ...process.memoryUsage(),
      ...(message.detail ? { heapSpaces: heapSpaces(), modules: modulesByPackage() } : {}),
    });
  });
  process.channel?.unref();
}

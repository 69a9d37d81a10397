// Preloaded (`node -r`) into the API under bench: answers `{ type: 'memory?' }` on the IPC
// channel with process.memoryUsage(), so the bench can read heap as well as RSS. With
// `{ type: 'memory?', gc: true }` and the bench's `--expose-gc`, a full collection runs first: the
// heap in use after it is the floor, what the process really holds.
if (process.send) {
  process.on('message', (message: { type?: string; gc?: boolean }) => {
    if (message?.type !== 'memory?') return;
    const collect = message.gc === true && typeof global.gc === 'function';
    if (collect) global.gc!();
    process.send?.({ type: 'memory', collected: collect, ...process.memoryUsage() });
  });
  process.channel?.unref();
}

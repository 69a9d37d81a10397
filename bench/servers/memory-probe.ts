// Preloaded (`node -r`) into the API under bench: answers `{ type: 'memory?' }` on the IPC
// channel with process.memoryUsage(), so the bench can read heap as well as RSS.
if (process.send) {
  process.on('message', (message: { type?: string }) => {
    if (message?.type === 'memory?') process.send?.({ type: 'memory', ...process.memoryUsage() });
  });
  process.channel?.unref();
}

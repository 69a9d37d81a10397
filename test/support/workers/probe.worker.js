'use strict';
// Tasks for the worker pool's own tests: plain JavaScript, so no build is needed to load them.
exports.echo = (input) => ({ echoed: input, threadId: require('node:worker_threads').threadId });
exports.spin = () => {
  for (;;) {
    // never returns: only the pool's kill timer can end it
  }
};
exports.hoard = () => {
  const kept = [];
  for (;;) kept.push(new Array(1e5).fill(kept.length));
};
exports.fail = (message) => {
  throw new Error(message);
};

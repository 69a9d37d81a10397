// A load generator on its own thread (plain JavaScript: worker threads load files outside Jest's
// transform), so the flood's client-side work never delays the measuring thread's event loop.
// Each stream is a closed loop over keep-alive connections, bounded in time and in count.
const { randomBytes } = require('node:crypto');
const { Agent, request } = require('node:http');
const { parentPort, workerData } = require('node:worker_threads');

const { baseUrl, durationMs, streams } = workerData;
const url = new URL(baseUrl);
const deadline = Date.now() + durationMs;

function once(agent, spec) {
  return new Promise((resolve) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method: spec.method,
        path: spec.path,
        agent,
        headers: spec.headers,
        timeout: 30_000,
      },
      (res) => {
        res.resume();
        res.once('end', () => resolve({ status: res.statusCode }));
        res.once('error', (error) => resolve({ error: error.code ?? error.message }));
      },
    );
    req.once('timeout', () => req.destroy(new Error('client timeout')));
    req.once('error', (error) => resolve({ error: error.code ?? error.message }));
    req.end(spec.body);
  });
}

async function run(stream) {
  const agent = new Agent({ keepAlive: true, maxSockets: stream.connections });
  const result = { name: stream.name, sent: 0, statuses: {}, errors: {} };
  const worker = async () => {
    while (Date.now() < deadline && result.sent < (stream.limit ?? Infinity)) {
      result.sent++;
      const headers = { ...stream.headers };
      // A fresh, well-formed but unknown bearer token on every request.
      if (stream.badTokens) headers.authorization = `Bearer ${randomBytes(24).toString('hex')}`;
      const outcome = await once(agent, { ...stream, headers });
      if (outcome.status !== undefined) {
        result.statuses[outcome.status] = (result.statuses[outcome.status] ?? 0) + 1;
      } else {
        result.errors[outcome.error] = (result.errors[outcome.error] ?? 0) + 1;
      }
    }
  };
  await Promise.all(Array.from({ length: stream.connections }, worker));
  agent.destroy();
  return result;
}

Promise.all(streams.map(run)).then((results) => parentPort.postMessage(results));

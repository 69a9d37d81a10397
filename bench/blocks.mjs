// One-off measurement of the blocks hot paths against a running API (not a test).
//
//   BASE=http://127.0.0.1:3000 LOGIN=<user> PASSWORD=<pw> PID=<api pid> node bench/blocks.mjs
//
// Logs in, picks 1000 block ids of the caller's tenant, then runs autocannon (10 connections,
// 10 s each) on GET /api/blocks/{id} (ids rotating), a filtered list page and a search, and
// finally downloads the whole export while sampling the API process's RSS every 50 ms.
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

const base = process.env.BASE ?? 'http://127.0.0.1:3000';
const duration = Number(process.env.DURATION ?? 10);
const connections = Number(process.env.CONNECTIONS ?? 10);
const pid = process.env.PID;

const login = await fetch(`${base}/api/auth/login`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ login: process.env.LOGIN, password: process.env.PASSWORD }),
});
if (login.status !== 200) throw new Error(`login: ${login.status} ${await login.text()}`);
const { accessToken } = await login.json();
const headers = { authorization: `Bearer ${accessToken}` };

const ids = [];
let cursor = null;
while (ids.length < 1000) {
  const res = await fetch(`${base}/api/blocks?limit=100${cursor ? `&cursor=${cursor}` : ''}`, {
    headers,
  });
  const page = await res.json();
  ids.push(...page.items.map((b) => b.id));
  cursor = page.nextCursor;
  if (!cursor) break;
}

function run(title, requests) {
  return new Promise((resolve, reject) => {
    autocannon({ url: base, connections, duration, headers, requests }, (error, result) => {
      if (error) return reject(error);
      const non2xx = result.non2xx + result.errors;
      console.log(
        `${title.padEnd(44)} ${String(Math.round(result.requests.average)).padStart(6)} req/s  ` +
          `p50 ${result.latency.p50} ms  p99 ${result.latency.p99} ms  non-2xx/errors ${non2xx}`,
      );
      resolve(result);
    });
  });
}

let i = 0;
await run('GET /api/blocks/{id}', [
  {
    method: 'GET',
    setupRequest: (req) => ({ ...req, path: `/api/blocks/${ids[i++ % ids.length]}` }),
  },
]);
await run('GET /api/blocks?type=markdown&tag=homepage', [
  { method: 'GET', path: '/api/blocks?type=markdown&tag=homepage&limit=20' },
]);
await run('GET /api/blocks?sort=title&tag=faq&tag=en', [
  { method: 'GET', path: '/api/blocks?sort=title&tag=faq&tag=en&limit=20' },
]);
await run('GET /api/blocks/search?q=invoice webinar', [
  { method: 'GET', path: `/api/blocks/search?q=${encodeURIComponent('invoice webinar')}&limit=20` },
]);
await run('GET /api/blocks/search?q="security policy"', [
  {
    method: 'GET',
    path: `/api/blocks/search?q=${encodeURIComponent('"security policy"')}&limit=20`,
  },
]);
await run('GET /api/blocks/suggest?prefix=modern in', [
  { method: 'GET', path: `/api/blocks/suggest?prefix=${encodeURIComponent('modern in')}` },
]);

// Export: RSS of the API before, peak during, and after.
const rss = () =>
  pid ? Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024 : NaN;
const before = rss();
let peak = before;
const sampler = setInterval(() => (peak = Math.max(peak, rss())), 50);
const started = Date.now();
const res = await fetch(`${base}/api/blocks/export`, { headers });
let bytes = 0;
let lines = 0;
for await (const chunk of res.body) {
  bytes += chunk.length;
  for (const b of chunk) if (b === 10) lines++;
}
clearInterval(sampler);
await new Promise((r) => setTimeout(r, 500));
console.log(
  `export: ${lines} blocks, ${(bytes / 1048576).toFixed(1)} MiB in ${((Date.now() - started) / 1000).toFixed(1)} s; ` +
    `API RSS before ${before.toFixed(0)} MiB, peak ${peak.toFixed(0)} MiB, after ${rss().toFixed(0)} MiB`,
);

// Login latency (argon2id bound) against a running API: `node bench/auth-measure.mjs http://127.0.0.1:3999 <login> <password> [n]`.
// Prints p50/p90/p99 of sequential logins, then an access token and an API key for autocannon:
//   npx autocannon -c 32 -d 10 -H "Authorization=Bearer <token>" <base>/api/auth/me
//   npx autocannon -c 32 -d 10 -H "X-API-Key=<key>" <base>/api/auth/me
const [base = 'http://127.0.0.1:3000', login, password, n = '50'] = process.argv.slice(2);
const post = (path, body, token) =>
  fetch(`${base}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(body),
  });
const times = [];
let session;
for (let i = 0; i < Number(n); i++) {
  const started = performance.now();
  const res = await post('/api/auth/login', { login, password });
  times.push(performance.now() - started);
  if (res.status !== 200) throw new Error(`login ${res.status}: ${await res.text()}`);
  session = await res.json();
}
const failed = [];
for (let i = 0; i < 20; i++) {
  const started = performance.now();
  await post('/api/auth/login', { login: `nobody-${i}`, password });
  failed.push(performance.now() - started);
}
const pct = (list, p) =>
  [...list].sort((a, b) => a - b)[Math.floor((list.length - 1) * p)].toFixed(1);
console.log(
  `login ok     n=${times.length} p50=${pct(times, 0.5)}ms p90=${pct(times, 0.9)}ms p99=${pct(times, 0.99)}ms`,
);
console.log(
  `login unknown n=${failed.length} p50=${pct(failed, 0.5)}ms (same argon2 work on a dummy hash)`,
);
const key = await (
  await post(
    '/api/auth/api-keys',
    { name: `bench-${Date.now()}`, scopes: ['read'] },
    session.accessToken,
  )
).json();
console.log(`TOKEN=${session.accessToken}`);
console.log(`KEY=${key.key}`);

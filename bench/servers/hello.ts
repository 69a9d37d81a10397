// Anchor 1: the ceiling of a Node JSON server on this machine (bare Fastify, one route).
import Fastify from 'fastify';

async function main(): Promise<void> {
  const app = Fastify({ logger: false });
  app.get('/', async () => ({ hello: 'world' }));
  await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
  process.send?.({ type: 'listening' });
  process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
}

void main();

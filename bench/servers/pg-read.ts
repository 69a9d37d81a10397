// Anchor 2: the ceiling of a database-backed read here: bare Fastify + `pg`, the same
// primary-key SELECT the API does, on the same database, with the API's pool size.
import Fastify from 'fastify';
import { Pool } from 'pg';
import { POOL } from '../../libs/database/src/data-source-options';

async function main(): Promise<void> {
  const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: POOL.max });
  const app = Fastify({ logger: false });
  app.get('/ready', async () => (await pool.query('SELECT 1 AS ok')).rows[0] as unknown);
  app.get<{ Params: { id: string } }>('/blocks/:id', async (request, reply) => {
    const { rows } = await pool.query('SELECT * FROM blocks WHERE id = $1', [request.params.id]);
    if (rows.length === 0) return reply.code(404).send({ status: 404 });
    return rows[0] as Record<string, unknown>;
  });
  await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
  process.send?.({ type: 'listening' });
  process.once(
    'SIGTERM',
    () => void app.close().then(() => pool.end().then(() => process.exit(0))),
  );
}

void main();

// The ceiling for GET /api/blocks/{id}: a bare Fastify route doing the same primary-key SELECT
// with `pg` on the same database (no Nest, no auth). Compare with bench/blocks.mjs in one run:
//   DATABASE_URL=... PORT=47312 taskset -c 0 node bench/bare-get.mjs
import Fastify from 'fastify';
import pg from 'pg';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 20 });
const app = Fastify();
const SQL =
  'SELECT id, title, content, type, tags, metadata, version, created_at, updated_at, created_by, updated_by FROM blocks WHERE id = $1 AND tenant_id = $2 AND deleted_at IS NULL';
app.get('/bare/:tenant/:id', async (request, reply) => {
  const { rows } = await pool.query({
    name: 'bare',
    text: SQL,
    values: [request.params.id, request.params.tenant],
  });
  if (!rows[0]) return reply.code(404).send({ status: 404 });
  return rows[0];
});
await app.listen({ port: Number(process.env.PORT ?? 47312), host: '127.0.0.1' });

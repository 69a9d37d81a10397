import type { Client } from 'pg';

const WORDS = [
  'latency',
  'throughput',
  'markdown',
  'cache',
  'index',
  'release',
  'pricing',
  'onboarding',
  'security',
  'invoice',
  'gallery',
  'checkout',
  'newsletter',
  'footer',
  'banner',
  'warranty',
  'shipping',
  'returns',
  'privacy',
  'cookies',
  'support',
  'tutorial',
  'webinar',
  'roadmap',
  'changelog',
  'partner',
  'careers',
  'press',
  'pricing',
  'trial',
  'enterprise',
  'startup',
  'migration',
  'backup',
  'monitoring',
  'alerting',
  'dashboard',
  'report',
  'analytics',
  'export',
];

/**
 * Inserts `count` blocks (and their first versions) into a tenant straight through SQL, in
 * batches: bench/search.ts seeds its 100 000 blocks this way.
 */
export async function seedBlocksSql(
  client: Client,
  tenantId: string,
  userId: string,
  count: number,
): Promise<void> {
  const batch = 20_000;
  for (let from = 1; from <= count; from += batch) {
    const to = Math.min(count, from + batch - 1);
    await client.query(
      `INSERT INTO blocks (id, tenant_id, title, content, type, tags, metadata, version,
                           created_at, updated_at, created_by, updated_by)
       SELECT gen_random_uuid(), $1,
              initcap(w[1 + g % 40]) || ' ' || w[1 + (g * 7) % 40] || ' ' || g,
              'About ' || w[1 + (g * 3) % 40] || ' and ' || w[1 + (g * 11) % 40] || '. ' ||
                repeat('Reusable content for pages, mails and apps. ', 3 + g % 12),
              (ARRAY['text', 'markdown', 'html'])[1 + g % 3],
              ARRAY['topic-' || (g % 50), 'team-' || (g % 7)],
              jsonb_build_object('seq', g, 'locale', (ARRAY['en', 'de', 'fr'])[1 + g % 3]),
              1, now() - make_interval(secs => g), now() - make_interval(secs => g), $2, $2
         FROM generate_series($3::int, $4::int) AS g, (SELECT $5::text[] AS w) AS words`,
      [tenantId, userId, from, to, WORDS],
    );
  }
  await client.query(
    `INSERT INTO block_versions (id, tenant_id, block_id, version, title, content, type, tags,
                                 metadata, created_at, created_by)
     SELECT gen_random_uuid(), tenant_id, id, 1, title, content, type, tags, metadata,
            created_at, created_by
       FROM blocks b
      WHERE tenant_id = $1
        AND NOT EXISTS (SELECT 1 FROM block_versions v WHERE v.block_id = b.id)`,
    [tenantId],
  );
  await client.query('ANALYZE blocks');
  await client.query('ANALYZE block_versions');
}

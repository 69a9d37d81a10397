import type { Client } from 'pg';

/** A tag on roughly 1–5 % of the tenant's blocks, and a word found in a few % of them. */
export async function pickFilters(
  client: Client,
  tenantId: string,
): Promise<{ tag: string; searchTerm: string }> {
  const { rows: total } = await client.query<{ n: string }>(
    'SELECT count(*) AS n FROM blocks WHERE tenant_id = $1',
    [tenantId],
  );
  const n = Number(total[0].n);
  const { rows: tags } = await client.query<{ tag: string; n: string }>(
    `SELECT t AS tag, count(*) AS n FROM blocks, unnest(tags) AS t
      WHERE tenant_id = $1 GROUP BY t ORDER BY count(*) DESC LIMIT 200`,
    [tenantId],
  );
  const tag =
    tags.find((t) => Number(t.n) >= n * 0.01 && Number(t.n) <= n * 0.05)?.tag ??
    tags[0]?.tag ??
    'bench';
  const { rows: words } = await client.query<{ word: string; ndoc: number }>(
    `SELECT word, ndoc FROM ts_stat($$SELECT search_vector FROM blocks
       WHERE tenant_id = '${tenantId.replace(/'/g, '')}' LIMIT 20000$$)
      WHERE length(word) > 4 ORDER BY ndoc DESC LIMIT 300`,
  );
  const sampled = Math.min(n, 20_000);
  const searchTerm =
    words.find((w) => w.ndoc >= sampled * 0.02 && w.ndoc <= sampled * 0.1)?.word ??
    words[0]?.word ??
    'content';
  return { tag, searchTerm };
}

import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { hash } from '@node-rs/argon2';
import { Pool, type PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { createLogger } from '@app/common';
import { loadConfig } from '@app/config';
import { dataSourceOptions, resolveDatabase } from '@app/database';

/**
 * `npm run seed -- --tenant <name> --blocks 100000 [--relations <n>] [--seed <n>]`
 *
 * Fills a tenant with realistic blocks (titles, paragraphs, tags, metadata, a year of update
 * times) and relations between them, for demos and benchmarks. Creates the tenant and an admin
 * owner when missing (the owner's password is printed once). Rows go in with
 * `INSERT ... SELECT FROM unnest(...)`, a few thousand per statement. Works on DATABASE_URL or,
 * when unset, on the embedded PostgreSQL under DATA_DIR (migrations are applied first).
 */

const WORDS = (
  'account action address agenda alert analysis answer archive article audience banner benefit ' +
  'billing brand budget campaign catalog channel checkout client cloud comment community content ' +
  'contract customer dashboard data deadline delivery demo design detail device discount draft ' +
  'editor email engine event example feature feedback field filter footer form gallery goal guide ' +
  'header help holiday image index insight invoice issue journey language launch layout lead ' +
  'license link list location login market media meeting member menu message metric mobile model ' +
  'module network news notice offer onboarding order overview page partner payment plan platform ' +
  'policy portal price privacy product profile project promotion question quote release report ' +
  'request resource review roadmap sale schedule search section security service session setting ' +
  'signup snippet social source space sprint status story strategy subscription summary support ' +
  'survey system team template term testimonial theme ticket timeline tip topic training trial ' +
  'update upgrade user version video vision visitor webinar welcome widget workflow workspace'
).split(' ');
const VERBS =
  'improves explains describes covers introduces highlights summarises compares shows lists outlines supports'.split(
    ' ',
  );
const ADJECTIVES =
  'new quick simple secure modern annual monthly weekly global local mobile premium basic advanced internal public'.split(
    ' ',
  );
const TAGS = (
  'homepage onboarding marketing legal product engineering support sales billing release ' +
  'faq blog newsletter landing pricing careers press partner docs tutorial announcement ' +
  'campaign seasonal draft approved archived internal external mobile web email social ' +
  'en de fr es it nl pt ja'
).split(' ');
const STOPWORDS = 'the and of to a in for with on is it that by this as at from be are'.split(' ');
const SYLLABLES = (
  'ka lo mi ne tor van sel bri qua dex ful ron tis mar pel gon vi ra shu len cor bas nim ter ' +
  'ol pha sti gre du mo che lin fa rix zo tel wan sor pi ger'
).split(' ');
/** Distinct words in the generated language; word frequencies follow Zipf's law, as in prose. */
const VOCABULARY_SIZE = 20_000;
const TYPES = ['text', 'text', 'markdown', 'markdown', 'markdown', 'html'];
const RELATION_TYPES = ['references', 'contains', 'derived-from'];
const BATCH = 2000;

/** Deterministic PRNG (mulberry32), so a seed number reproduces the same data. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A sampler over a made-up language: stop words are the most frequent, the business words of
 * WORDS come next (ranks 20..~1000), pronounceable made-up words fill the long tail. A search
 * term is then as selective as in real content instead of matching every block.
 */
function zipfWords(random: () => number): () => string {
  const vocabulary: string[] = [...STOPWORDS];
  const seen = new Set(vocabulary);
  let real = 0;
  while (vocabulary.length < VOCABULARY_SIZE) {
    if (vocabulary.length >= 20 && vocabulary.length % 5 === 0 && real < WORDS.length) {
      vocabulary.push(WORDS[real++]);
      continue;
    }
    const syllables = 2 + Math.floor(random() * 3);
    const made = Array.from(
      { length: syllables },
      () => SYLLABLES[Math.floor(random() * SYLLABLES.length)],
    ).join('');
    if (!seen.has(made)) {
      seen.add(made);
      vocabulary.push(made);
    }
  }
  const cumulative = new Float64Array(vocabulary.length);
  let total = 0;
  for (let rank = 0; rank < vocabulary.length; rank++) {
    total += 1 / (rank + 1);
    cumulative[rank] = total;
  }
  return () => {
    const target = random() * total;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid] < target) lo = mid + 1;
      else hi = mid;
    }
    return vocabulary[lo];
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      tenant: { type: 'string' },
      blocks: { type: 'string', default: '1000' },
      relations: { type: 'string' },
      seed: { type: 'string', default: '42' },
    },
  });
  const tenantName = values.tenant?.trim();
  const count = Number(values.blocks);
  if (!tenantName || !Number.isInteger(count) || count < 0 || count > 10_000_000) {
    throw new Error(
      'usage: npm run seed -- --tenant <name> --blocks <0..10000000> [--relations <n>]',
    );
  }
  const relationCount =
    values.relations === undefined ? Math.floor(count / 2) : Number(values.relations);
  const random = prng(Number(values.seed));
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];
  const int = (min: number, max: number): number => min + Math.floor(random() * (max - min + 1));
  const word = zipfWords(random);

  const logger = createLogger(process.env.LOG_LEVEL ?? 'info');
  const { config, stop } = await resolveDatabase(loadConfig(process.env), logger);
  const dataSource = new DataSource(dataSourceOptions(config.databaseUrl!));
  await dataSource.initialize();
  await dataSource.runMigrations({ transaction: 'each' });
  await dataSource.destroy();

  const pool = new Pool({ connectionString: config.databaseUrl, max: 2 });
  const client = await pool.connect();
  const second = await pool.connect();
  const started = Date.now();
  try {
    const { tenantId, ownerId } = await ensureTenant(client, tenantName);
    // Bulk loading: no fsync wait per batch, and a larger GIN pending list so the three GIN
    // indexes are merged in big steps rather than every few rows. Computing the generated
    // tsvector dominates (~0.4 ms a row), so two connections insert in parallel.
    for (const c of [client, second]) {
      await c.query(`SET synchronous_commit = off`);
      await c.query(`SET gin_pending_list_limit = '64MB'`);
    }
    const inFlight: Array<Promise<void> | undefined> = [undefined, undefined];
    let failure: Error | undefined;
    let turn = 0;

    const sentence = (): string => {
      const words = Array.from({ length: int(6, 14) }, word);
      words.splice(int(1, 3), 0, pick(VERBS));
      const text = words.join(' ');
      return `${text[0].toUpperCase()}${text.slice(1)}.`;
    };
    const paragraph = (): string => Array.from({ length: int(2, 6) }, sentence).join(' ');
    const title = (i: number): string => {
      const words = Array.from({ length: int(2, 4) }, () =>
        random() < 0.6 ? pick(WORDS) : word(),
      );
      const text = `${pick(ADJECTIVES)} ${words.join(' ')}`;
      return `${text[0].toUpperCase()}${text.slice(1)} ${i % 7 === 0 ? `#${i}` : ''}`.trim();
    };

    const yearMs = 365 * 24 * 3600 * 1000;
    const now = Date.now();
    const ids: string[] = [];
    for (let offset = 0; offset < count; offset += BATCH) {
      const size = Math.min(BATCH, count - offset);
      const rows = {
        id: [] as string[],
        title: [] as string[],
        content: [] as string[],
        type: [] as string[],
        tags: [] as string[],
        metadata: [] as string[],
        created: [] as string[],
        updated: [] as string[],
      };
      for (let k = 0; k < size; k++) {
        const created = now - Math.floor(random() * yearMs);
        const updated = Math.min(now, created + Math.floor(random() * random() * yearMs));
        const type = pick(TYPES);
        const paragraphs = Array.from({ length: int(1, 5) }, paragraph);
        const content =
          type === 'html'
            ? paragraphs.map((p) => `<p>${p}</p>`).join('\n')
            : type === 'markdown'
              ? `## ${title(offset + k)}\n\n${paragraphs.join('\n\n')}`
              : paragraphs.join('\n\n');
        const tags = [...new Set(Array.from({ length: int(0, 5) }, () => pick(TAGS)))];
        const id = uuidv7({ msecs: created });
        ids.push(id);
        rows.id.push(id);
        rows.title.push(title(offset + k));
        rows.content.push(content);
        rows.type.push(type);
        rows.tags.push(tags.join(','));
        rows.metadata.push(
          JSON.stringify({
            locale: pick(['en', 'en', 'en', 'de', 'fr', 'es']),
            priority: int(1, 5),
            source: pick(['cms', 'import', 'api', 'editor']),
            ...(random() < 0.3 ? { campaign: `${pick(WORDS)}-${int(2024, 2026)}` } : {}),
          }),
        );
        rows.created.push(new Date(created).toISOString());
        rows.updated.push(new Date(updated).toISOString());
      }
      const slot = turn++ % 2;
      await inFlight[slot];
      if (failure) throw failure;
      inFlight[slot] = (slot === 0 ? client : second)
        .query(
          `INSERT INTO blocks (id, tenant_id, title, content, type, tags, metadata, version,
                             created_at, updated_at, created_by, updated_by)
         SELECT u.id, $1, u.title, u.content, u.type,
                CASE WHEN u.tags = '' THEN '{}'::text[] ELSE string_to_array(u.tags, ',') END,
                u.metadata::jsonb, 1, u.created, u.updated, $2, $2
         FROM unnest($3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
                     $9::timestamptz[], $10::timestamptz[])
              AS u(id, title, content, type, tags, metadata, created, updated)`,
          [
            tenantId,
            ownerId,
            rows.id,
            rows.title,
            rows.content,
            rows.type,
            rows.tags,
            rows.metadata,
            rows.created,
            rows.updated,
          ],
        )
        .then(
          () => undefined,
          (error: unknown) => {
            failure ??= error instanceof Error ? error : new Error(String(error));
          },
        );
      process.stderr.write(`\rblocks: ${offset + size}/${count}`);
    }
    await Promise.all(inFlight.filter((p): p is Promise<void> => p !== undefined));
    if (failure) throw failure;
    process.stderr.write('\n');

    let relations = 0;
    for (let offset = 0; offset < relationCount && ids.length > 1; offset += BATCH) {
      const size = Math.min(BATCH, relationCount - offset);
      const edge = {
        id: [] as string[],
        source: [] as string[],
        target: [] as string[],
        type: [] as string[],
      };
      for (let k = 0; k < size; k++) {
        // Mostly near neighbours (clusters of related content), sometimes anywhere.
        const a = int(0, ids.length - 1);
        let b = random() < 0.8 ? a + int(-20, 20) : int(0, ids.length - 1);
        b = Math.max(0, Math.min(ids.length - 1, b));
        if (a === b) continue;
        edge.id.push(uuidv7());
        edge.source.push(ids[a]);
        edge.target.push(ids[b]);
        edge.type.push(pick(RELATION_TYPES));
      }
      const result = await client.query(
        `INSERT INTO block_relations (id, tenant_id, source_id, target_id, type, created_by)
         SELECT u.id, $1, u.source, u.target, u.type, $2
         FROM unnest($3::uuid[], $4::uuid[], $5::uuid[], $6::text[]) AS u(id, source, target, type)
         ON CONFLICT (source_id, target_id, type) DO NOTHING`,
        [tenantId, ownerId, edge.id, edge.source, edge.target, edge.type],
      );
      relations += result.rowCount ?? 0;
    }
    const documents = await seedDocuments(client, tenantId, ownerId);
    // VACUUM merges the GIN pending lists (left large by the setting above) into the indexes,
    // so the first searches do not scan them linearly, and refreshes the planner statistics.
    await client.query('VACUUM (ANALYZE) blocks');
    await client.query('VACUUM (ANALYZE) block_relations');
    process.stderr.write(
      `seeded tenant "${tenantName}" (${tenantId}): ${count} blocks, ${relations} relations, ${documents} sample documents in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
    );
  } finally {
    client.release();
    second.release();
    await pool.end();
    await stop();
  }
}

/**
 * A sample template and two documents over three blocks (one including another), so a newcomer
 * sees templates, documents and assembly in Swagger at once. Rows as the API writes them.
 */
async function seedDocuments(
  client: PoolClient,
  tenantId: string,
  ownerId: string | null,
): Promise<number> {
  const intro = uuidv7();
  const terms = uuidv7();
  const support = uuidv7();
  const blocks = [
    [
      intro,
      'Sample: introduction',
      '## Introduction\n\nThis agreement is made with {{ customer }}.',
    ],
    [support, 'Sample: support hours', 'Support answers on working days, 9:00 to 17:00.'],
    [
      terms,
      'Sample: terms',
      `## Terms\n\nThe service starts on {{ effective }}.\n{% include_block "${support}" %}`,
    ],
  ];
  for (const [id, title, content] of blocks) {
    await client.query(
      `INSERT INTO blocks (id, tenant_id, title, content, type, tags, created_by, updated_by)
       VALUES ($1, $2, $3, $4, 'markdown', '{sample}', $5, $5)`,
      [id, tenantId, title, content, ownerId],
    );
  }
  const templateId = uuidv7();
  const variables = {
    type: 'object',
    properties: {
      customer: { type: 'string' },
      effective: { type: 'string', format: 'date' },
    },
    required: ['customer', 'effective'],
  };
  const templateNodes: Array<Record<string, unknown>> = [
    { kind: 'heading', text: 'Service agreement: {{ customer }}', level: 1 },
    { kind: 'toc' },
    { kind: 'block', blockId: intro, pin: 'latest', headingOffset: 0 },
    { kind: 'slot', name: 'body' },
  ];
  await client.query(
    `INSERT INTO templates (id, tenant_id, name, description, variables, nodes, created_by, updated_by)
     VALUES ($1, $2, 'Sample: service agreement', 'Made by npm run seed', $3, $4, $5, $5)`,
    [templateId, tenantId, JSON.stringify(variables), JSON.stringify(templateNodes), ownerId],
  );
  await client.query(
    `INSERT INTO template_versions (tenant_id, template_id, version, name, description, variables, nodes, created_at, created_by)
     SELECT tenant_id, id, version, name, description, variables, nodes, updated_at, updated_by FROM templates WHERE id = $1`,
    [templateId],
  );
  const slots: { body: Array<Record<string, unknown>> } = {
    body: [{ kind: 'block', blockId: terms, pin: 1 }],
  };
  const fromTemplate = templateNodes.flatMap((n) => (n.kind === 'slot' ? slots.body : [n]));
  const documents: Array<[string, string, string | null, unknown, unknown, unknown]> = [
    [
      uuidv7(),
      'Sample: agreement with ACME',
      templateId,
      { customer: 'ACME Corp', effective: '2026-01-01' },
      slots,
      fromTemplate,
    ],
    [
      uuidv7(),
      'Sample: support notice',
      null,
      {},
      {},
      [
        { kind: 'heading', text: 'Support notice', level: 1 },
        { kind: 'block', blockId: support, pin: 'latest' },
      ],
    ],
  ];
  for (const [id, title, template, values, slotNodes, nodes] of documents) {
    await client.query(
      `INSERT INTO documents (id, tenant_id, title, template_id, template_version, variables, slots, nodes, created_by, updated_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)`,
      [
        id,
        tenantId,
        title,
        template,
        template ? 1 : null,
        JSON.stringify(values),
        JSON.stringify(slotNodes),
        JSON.stringify(nodes),
        ownerId,
      ],
    );
    await client.query(
      `INSERT INTO document_versions (tenant_id, document_id, version, title, template_id, template_version, variables, slots, nodes, created_at, created_by)
       SELECT tenant_id, id, version, title, template_id, template_version, variables, slots, nodes, updated_at, updated_by FROM documents WHERE id = $1`,
      [id],
    );
  }
  return documents.length;
}

/** The tenant of that name, or a new one with an admin owner (same rows registration makes). */
async function ensureTenant(
  client: PoolClient,
  name: string,
): Promise<{ tenantId: string; ownerId: string | null }> {
  const existing = await client.query<{ id: string; owner: string | null }>(
    `SELECT t.id,
            (SELECT u.id FROM users u WHERE u.tenant_id = t.id AND u.role = 'admin' AND u.deleted_at IS NULL
             ORDER BY u.created_at LIMIT 1) AS owner
     FROM tenants t WHERE t.name = $1 ORDER BY t.created_at LIMIT 1`,
    [name],
  );
  if (existing.rows[0]?.owner) {
    return { tenantId: existing.rows[0].id, ownerId: existing.rows[0].owner };
  }
  const tenantId = existing.rows[0]?.id ?? uuidv7();
  const slug =
    name
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40) || 'tenant';
  const username = `${slug}-owner-${randomBytes(3).toString('hex')}`;
  const email = `${username}@example.com`;
  const password = randomBytes(18).toString('base64url');
  // argon2id with the same parameters as the identity module (m=19 MiB, t=2, p=1).
  const passwordHash = await hash(password.normalize('NFKC'), {
    algorithm: 2,
    memoryCost: 19456,
    timeCost: 2,
    parallelism: 1,
  });
  const ownerId = uuidv7();
  await client.query('BEGIN');
  try {
    if (!existing.rows[0]) {
      await client.query(`INSERT INTO tenants (id, name) VALUES ($1, $2)`, [tenantId, name]);
    }
    await client.query(
      `INSERT INTO users (id, tenant_id, email, username, display_name, password_hash, role)
       VALUES ($1, $2, $3, $4, $5, $6, 'admin')`,
      [ownerId, tenantId, email, username, `${name} owner`, passwordHash],
    );
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  }
  process.stderr.write(
    `created tenant "${name}" with owner ${username} / ${email}, password: ${password}\n`,
  );
  return { tenantId, ownerId };
}

main().catch((error: unknown) => {
  process.stderr.write(`seed failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});

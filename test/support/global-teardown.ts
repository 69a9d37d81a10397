/** Stops the embedded PostgreSQL the global setup started (if it started one). */
export default async function globalTeardown(): Promise<void> {
  await globalThis.__CB_TEST_PG__?.stop();
  globalThis.__CB_TEST_PG__ = undefined;
}

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { requireTool } from '../deploy/tools';
import { startTestApp, type TestApp } from '../support/test-app';

// Debian's chromium, driven by playwright-core: no browser is ever downloaded.
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];

describe('Swagger UI and ReDoc in headless Chromium', () => {
  const executablePath = requireTool('chromium', 'chromium');
  let t: TestApp;
  let profile: string;
  let context: BrowserContext;
  let page: Page;
  let accessToken: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    t = await startTestApp();
    const registered = await t.http.post('/api/auth/register', {
      email: 'swagger-ui@example.com',
      username: 'swagger-ui',
      password: 'a very long passphrase for the swagger ui test',
    });
    expect(registered.status).toBe(201);
    accessToken = registered.body.accessToken;

    // A fresh --user-data-dir per run (launchPersistentContext owns that flag).
    profile = mkdtempSync(join(tmpdir(), 'cb-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath,
      headless: true,
      args: CHROMIUM_ARGS,
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (error) => pageErrors.push(error.message));
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    await t?.close();
  });

  it('authorizes with a bearer token and runs GET /api/auth/me from the UI with a 200', async () => {
    await page.goto(`${t.baseUrl}/docs`);
    await page.locator('.swagger-ui .info .title').waitFor({ timeout: 20_000 });
    expect(await page.locator('.swagger-ui .info .title').innerText()).toContain(
      'Content Blocks API',
    );

    // Authorize: the bearer scheme's form in the modal.
    await page.locator('.scheme-container button.authorize').click();
    const bearer = page
      .locator('.auth-container')
      .filter({ hasText: /bearer/i })
      .first();
    await bearer.locator('input').first().fill(accessToken);
    await bearer.locator('button.authorize').click();
    await page.locator('.auth-container button.btn-done').first().click();

    // Open the operation, try it out, execute.
    const operation = page
      .locator('.opblock.opblock-get')
      .filter({ has: page.locator('[data-path="/api/auth/me"]') })
      .first();
    await operation.locator('.opblock-summary').first().click();
    await operation.locator('button.try-out__btn').click();
    await operation.locator('button.execute').click();

    const status = operation
      .locator('.live-responses-table .response .response-col_status')
      .first();
    await status.waitFor({ timeout: 20_000 });
    expect((await status.innerText()).trim()).toMatch(/^200/);
    // The UI sent the token it was given, as a header.
    const curl = await operation.locator('.curl-command').innerText();
    expect(curl).toContain(`Authorization: Bearer ${accessToken}`);
    const body = await operation
      .locator('.live-responses-table .response-col_description pre')
      .first()
      .innerText();
    expect(JSON.parse(body)).toMatchObject({
      username: 'swagger-ui',
      email: 'swagger-ui@example.com',
    });
    expect(pageErrors).toEqual([]);
  }, 90_000);

  it('renders ReDoc offline from the bundled script, within the CSP', async () => {
    const redoc = await context.newPage();
    const problems: string[] = [];
    const loadedOffsite: string[] = [];
    const missing: string[] = [];
    redoc.on('pageerror', (error) => problems.push(error.message));
    redoc.on('console', (message) => {
      const text = message.text();
      // The bundle's "powered by" logo points at Redocly's CDN: the CSP refuses it (and the
      // bundle then hides it), which is the point; any other refusal or error is a failure.
      const logoRefused = /^Loading the image 'https:\/\/cdn\.redoc\.ly\/[^']*' violates/.test(
        text,
      );
      if (message.type() === 'error' && !logoRefused && !text.startsWith('Failed to load resource'))
        problems.push(text);
    });
    redoc.on('response', (answer) => {
      if (answer.status() >= 400) missing.push(`${answer.status()} ${answer.url()}`);
    });
    // Everything the page shows comes from the API itself: no CDN, no fonts from elsewhere.
    redoc.on('requestfinished', (request) => {
      if (!/^(blob|data):/.test(request.url()) && !request.url().startsWith(t.baseUrl))
        loadedOffsite.push(request.url());
    });
    const response = await redoc.goto(`${t.baseUrl}/redoc`);
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
    const title = redoc.locator('.api-info h1');
    await title.waitFor({ timeout: 30_000 });
    expect(await title.innerText()).toContain('Content Blocks API');
    // The operations are there, not only the header.
    await redoc.locator('h2', { hasText: 'Create a block' }).first().waitFor({ timeout: 30_000 });
    expect({ problems, loadedOffsite, missing }).toEqual({
      problems: [],
      loadedOffsite: [],
      missing: [],
    });
    await redoc.close();
  }, 90_000);
});

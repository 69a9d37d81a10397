import { type Browser, chromium } from 'playwright-core';
import { requireTool } from '../deploy/tools';

/** The Debian Chromium, never a downloaded one. */
export function chromiumPath(): string {
  return requireTool('chromium', 'chromium');
}

/** A headless Chromium with the flags the PDF renderer uses, for reading pages back. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

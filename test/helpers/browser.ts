/**
 * Headless Chromium from Debian (/usr/bin/chromium) driven by playwright-core, for the incident
 * console's tests. A missing browser is a failure naming the command that installs it, never a skip.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = process.env.MESHGUARD_TEST_CHROMIUM ?? '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `${CHROMIUM} is missing: install it with "apt-get install -y chromium" (scripts/test.sh does)`,
    );
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
}

/** A page that records every request to another origin and every script error, for the tests to assert none. */
export async function watchedPage(
  browser: Browser,
  origin: string,
): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('request', (r) => {
    if (!r.url().startsWith(origin)) problems.push(`request to another origin: ${r.url()}`);
  });
  page.on('pageerror', (e) => problems.push(`script error: ${e.message}`));
  return { page, problems };
}

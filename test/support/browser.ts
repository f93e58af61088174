/**
 * Debian's Chromium driven by playwright-core. Never a downloaded browser: if
 * /usr/bin/chromium is missing the test fails and says how to install it.
 */
import fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** `extraArgs` go to Chromium as well (e.g. --ignore-certificate-errors-spki-list for Gatehouse's local CA). */
export async function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (apt-get install chromium); .ci/run does this`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic', ...extraArgs],
  });
}

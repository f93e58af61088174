/**
 * What the console's Chromium tests share: a built console on a fresh Gatehouse with a browser,
 * and the accessibility check each page state goes through (a screenshot kept as a test artifact,
 * then axe: no serious or critical violation).
 */
import { AxeBuilder } from '@axe-core/playwright';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { expect } from 'vitest';
import { buildConsole } from '../../scripts/build-console.mjs';
import { launchChromium } from '../support/browser.js';
import { startServer, type TestServer } from '../support/gatehouse.js';

export const ARTIFACTS = path.resolve('test-artifacts', 'console');

/** Builds the console, starts a Gatehouse (with `env`) and Chromium. */
export async function startConsole(env: Record<string, string> = {}): Promise<{ server: TestServer; browser: Browser }> {
  await buildConsole(path.resolve(import.meta.dirname, '..', '..'));
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const server = await startServer(env);
  const browser = await launchChromium();
  return { server, browser };
}

export async function stopConsole(server: TestServer | undefined, browser: Browser | undefined): Promise<void> {
  await browser?.close();
  await server?.close();
}

/** Saves the page as `<name>.png` and fails on any serious or critical axe violation. */
export async function noSeriousViolations(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
  const result = await new AxeBuilder({ page } as never).analyze();
  const serious = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help}`);
  expect([name, serious]).toEqual([name, []]);
}

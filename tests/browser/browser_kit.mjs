// What the browser flows share: Debian's Chromium through playwright-core (from ui/node_modules),
// numbered screenshots, and checks that throw with a message saying what the page showed.

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const { chromium } = createRequire(path.join(repoRoot, 'ui', 'package.json'))('playwright-core');

export const TIMEOUT = 15_000;

export function check(condition, message) {
  if (!condition) throw new Error(message);
}

export async function visibleText(locator) {
  await locator.waitFor({ state: 'visible', timeout: TIMEOUT });
  return (await locator.innerText()).trim();
}

export async function expectTitle(page, fragment) {
  await page.waitForFunction((f) => document.title.includes(f), fragment, { timeout: TIMEOUT });
}

/**
 * Runs `flow(page, shot)` in a fresh Chromium profile, so nothing is cached or remembered from an
 * earlier run. On failure the page as it was goes to failure.png and the exit code is 1; errors
 * thrown inside the page fail the flow too.
 */
export async function runFlow(artifacts, flow) {
  mkdirSync(artifacts, { recursive: true });
  let step = 0;
  const shot = async (page, name) => {
    step += 1;
    const file = path.join(artifacts, `${String(step).padStart(2, '0')}-${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    console.log(`screenshot ${file}`);
  };

  const userDataDir = mkdtempSync(path.join(tmpdir(), 'pier-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1280, height: 800 },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const pageErrors = [];
  let page;
  try {
    context.setDefaultTimeout(TIMEOUT);
    page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    page.on('console', (m) => m.type() === 'error' && console.log(`browser console: ${m.text()}`));
    await flow(page, shot);
    check(pageErrors.length === 0, `errors in the page:\n${pageErrors.join('\n')}`);
    return true;
  } catch (e) {
    if (page) await page.screenshot({ path: path.join(artifacts, 'failure.png'), fullPage: true }).catch(() => {});
    console.error(e?.stack ?? e);
    process.exitCode = 1;
    return false;
  } finally {
    await context.close();
    rmSync(userDataDir, { recursive: true, force: true });
  }
}

/**
 * A spec's session on the kernel lab: before each test a fresh project served by `natlens serve`,
 * the lab transcripts imported through the file picker, and the page's console errors and failed
 * requests collected (the browser's own favicon probe is not a page request, so "Failed to load
 * resource" lines are left to the response listener, which names the URL).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { startServe, type ServeProcess } from './natlens-serve';

export const root = path.resolve(__dirname, '..');
const transcripts = ['nodea.txt', 'nodeb.txt'].map((f) => path.join(root, 'test', 'fixtures', 'lab', 'transcripts', f));

export interface LabSession {
  /** The project's folder (deleted after each test). */
  readonly dir: string;
  readonly serve: ServeProcess;
  readonly consoleErrors: string[];
}

export function labSession(name: string): LabSession {
  let dir = '';
  let serve: ServeProcess | undefined;
  const consoleErrors: string[] = [];
  test.beforeEach(async ({ page }) => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), `natlens-e2e-${name}-`));
    serve = await startServe(path.join(dir, 'lab.db'));
    consoleErrors.length = 0;
    page.on('console', (m) => m.type() === 'error' && !m.text().startsWith('Failed to load resource') && consoleErrors.push(m.text()));
    page.on('response', (r) => r.status() >= 400 && consoleErrors.push(`${r.status()} ${r.url()}`));
    await page.goto(serve.url.toString());
    await page.getByTestId('file-input').setInputFiles(transcripts);
    // Files picked together would go to one node: these name their own (shell prompts, file names).
    await page.getByTestId('import-name-each').click();
    await expect(page.getByTestId('import-result')).toContainText(/Imported \d+ captures on 2 nodes/);
  });
  test.afterEach(async () => {
    expect(await serve!.stop()).toBe(0);
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return {
    get dir() {
      return dir;
    },
    get serve() {
      return serve!;
    },
    consoleErrors,
  };
}

/** Renames node `from` to `to` from its card on the Nodes tab, and waits for the edit bar to say so. */
export async function renameNode(page: Page, from: string, to: string): Promise<void> {
  await page.getByRole('tab', { name: 'Nodes' }).click();
  const card = page.getByRole('article', { name: `node ${from}` });
  await card.getByTestId('node-rename').click();
  await card.getByTestId('node-rename-input').fill(to);
  await page.getByTestId('node-rename-form').getByRole('button', { name: 'Rename' }).click();
  await expect(page.getByTestId('edit-bar')).toContainText(`Renamed node ${from} to ${to}.`);
}

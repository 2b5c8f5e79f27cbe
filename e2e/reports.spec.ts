/** The Reports tab in web mode, on the kernel lab's transcripts: the HTML download and the sandboxed preview. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { startServe, type ServeProcess } from './natlens-serve';

const root = path.resolve(__dirname, '..');
const transcripts = ['nodea.txt', 'nodeb.txt'].map((f) => path.join(root, 'test', 'fixtures', 'lab', 'transcripts', f));

test.describe('reports (web mode, kernel lab)', () => {
  let dir: string;
  let serve: ServeProcess;
  const consoleErrors: string[] = [];

  test.beforeEach(async ({ page }) => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'natlens-e2e-reports-'));
    serve = await startServe(path.join(dir, 'lab.db'));
    consoleErrors.length = 0;
    // A CSP refusal of the preview's inline style would show here.
    page.on('console', (m) => m.type() === 'error' && !m.text().startsWith('Failed to load resource') && consoleErrors.push(m.text()));
    page.on('response', (r) => r.status() >= 400 && consoleErrors.push(`${r.status()} ${r.url()}`));
    await page.goto(serve.url.toString());
    await page.getByTestId('file-input').setInputFiles(transcripts);
    await expect(page.getByTestId('import-result')).toContainText(/Imported \d+ captures on 2 nodes/);
  });

  test.afterEach(async () => {
    expect(await serve.stop()).toBe(0);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('downloads the HTML report naming both nodes and previews it in a sandboxed frame', async ({ page }) => {
    await page.getByRole('tab', { name: 'Reports' }).click();
    await expect(page.getByTestId('report-summary')).toHaveText(/^2 nodes · \d+ captures · 1 service · \d+ findings? · \d+ flows?/);

    const preview = page.getByTestId('report-preview');
    await expect(preview).toHaveAttribute('sandbox', '');
    const frame = page.frameLocator('[data-testid="report-preview"]');
    await expect(frame.locator('h1').first()).toHaveText('natlens report');
    await expect(frame.locator('body')).toContainText('nodea');
    // The report's own stylesheet applied: the CSP let the hashed inline <style> through.
    await expect(frame.locator('h1').first()).toHaveCSS('border-bottom-style', 'solid');

    const downloading = page.waitForEvent('download');
    await page.getByTestId('report-html').click();
    const download = await downloading;
    expect(download.suggestedFilename()).toMatch(/^natlens-report-\d{4}-\d{2}-\d{2}\.html$/);
    const saved = path.join(dir, download.suggestedFilename());
    await download.saveAs(saved);
    const html = fs.readFileSync(saved, 'utf8');
    expect(html).toContain('natlens report');
    expect(html).toContain('nodeb');
    expect(html).not.toMatch(/<script/i);
    expect(consoleErrors).toEqual([]);
  });
});

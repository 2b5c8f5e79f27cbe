/** The Reports tab in web mode, on the kernel lab's transcripts: the HTML download and the sandboxed preview. */
import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { labSession, renameNode } from './lab-session';

test.describe('reports (web mode, kernel lab)', () => {
  const session = labSession('reports');

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
    const saved = path.join(session.dir, download.suggestedFilename());
    await download.saveAs(saved);
    const html = fs.readFileSync(saved, 'utf8');
    expect(html).toContain('natlens report');
    expect(html).toContain('nodeb');
    expect(html).not.toMatch(/<script/i);
    expect(session.consoleErrors).toEqual([]);
  });

  test('coming back to Reports shows the preview without building it again; an edit builds it again', async ({ page }) => {
    const built: string[] = [];
    page.on('request', (r) => new URL(r.url()).pathname === '/api/report' && built.push(r.postData() ?? ''));
    // The project as the import left it (the page reads it again after the import's answer): one revision from here.
    await expect(page.getByRole('article', { name: 'node nodeb' })).toBeVisible();
    await page.getByRole('tab', { name: 'Reports' }).click();
    const frame = page.frameLocator('[data-testid="report-preview"]');
    await expect(frame.locator('body')).toContainText('nodeb');
    await page.getByRole('tab', { name: 'Nodes' }).click();
    await expect(page.getByTestId('report-preview')).toHaveCount(0);
    await page.getByRole('tab', { name: 'Reports' }).click();
    await expect(frame.locator('body')).toContainText('nodeb');
    await expect(page.getByTestId('report-updating')).toHaveCount(0);
    expect(built).toHaveLength(1);

    // A rename moves the project's revision: the report is built again and names the node anew.
    await renameNode(page, 'nodeb', 'worker-b');
    await page.getByRole('tab', { name: 'Reports' }).click();
    await expect(frame.locator('body')).toContainText('worker-b');
    await expect(page.getByTestId('report-updating')).toHaveCount(0);
    expect(built).toHaveLength(2);
    expect(session.consoleErrors).toEqual([]);
  });

  test('adds a trace from the Trace tab to the report, lists it, and removes it', async ({ page }) => {
    await page.getByRole('tab', { name: 'Trace' }).click();
    await page.getByTestId('trace-node').selectOption('nodea');
    await page.getByTestId('trace-proto').selectOption('tcp');
    await page.getByTestId('trace-src').fill('10.40.1.3:40001');
    await page.getByTestId('trace-dst').fill('10.96.0.10:80');
    await page.getByTestId('trace-in').selectOption('cbr0');
    await page.getByTestId('trace-run').click();
    const add = page.getByTestId('trace-add-to-report');
    await expect(add).toHaveText('Add to report');
    await add.click();
    await expect(add).toHaveText('In the report');
    await expect(add).toBeDisabled();

    await page.getByRole('tab', { name: 'Reports' }).click();
    const listed = page.getByTestId('report-traces');
    await expect(listed.locator('li')).toHaveCount(1);
    await expect(listed.getByTestId('report-traces-head')).toHaveText('This trace is replayed in the report:');
    await expect(listed).toContainText('nodea: tcp 10.40.1.3:40001 → 10.96.0.10:80 in cbr0');
    const frame = page.frameLocator('[data-testid="report-preview"]');
    await expect(frame.locator('h1', { hasText: 'Traces' })).toHaveCount(1);
    await expect(frame.locator('pre', { hasText: 'natlens trace --node nodea --proto tcp --src 10.40.1.3:40001 --dst 10.96.0.10:80 --in cbr0' })).toHaveCount(1);

    await listed.getByRole('button', { name: /^Remove / }).click();
    await expect(listed.locator('li')).toHaveCount(0);
    await expect(frame.locator('h1', { hasText: 'Findings' })).toHaveCount(1);
    await expect(frame.locator('h1', { hasText: 'Traces' })).toHaveCount(0);
    expect(session.consoleErrors).toEqual([]);
  });
});

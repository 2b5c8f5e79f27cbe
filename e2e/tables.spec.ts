/**
 * The lists as an analysis tool's, in web mode on the kernel lab: a keyboard-only walk through Flows
 * (tabs by arrow, a tcpdump filter, a row opened with Enter and closed with Esc, copied with Ctrl+C and
 * from its menu), a trace copied as its command, one tab mounted at a time, no /favicon.ico request,
 * dark mode (screenshot to docs/ with NATLENS_SCREENSHOT=1), and axe with no serious violation on any tab.
 */
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { labSession, root } from './lab-session';
import { TABS } from '../src/renderer/view-model/tabs';

const fragment = (page: Page): string => decodeURIComponent(new URL(page.url()).hash);
const clipboard = (page: Page): Promise<string> => page.evaluate(() => navigator.clipboard.readText());

test.describe('tables (web mode, kernel lab)', () => {
  const session = labSession('tables');

  test.beforeEach(async ({ context }) => {
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: session.serve.url.origin });
  });

  test('walks through Flows by keyboard alone: filter, open, close, copy', async ({ page }) => {
    await page.getByRole('tab', { name: 'Nodes' }).focus();
    for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowRight');
    await expect(page.getByRole('tab', { name: 'Flows' })).toHaveAttribute('aria-selected', 'true');
    await expect(page.getByRole('tab', { name: 'Flows' })).toBeFocused();
    await expect.poll(() => fragment(page)).toBe('#/flows');
    await expect(page.getByTestId('flows-summary')).toContainText(/Flows 1–\d+ of \d+/);

    // Tab leaves the tab list: the theme toggle beside it, then the panel's filter box.
    await page.keyboard.press('Tab');
    await expect(page.getByTestId('theme-toggle')).toBeFocused();
    await page.keyboard.press('Tab');
    await expect(page.getByTestId('flow-filter')).toBeFocused();
    await page.keyboard.type('host 10.96.0.10 and port 80');
    await page.keyboard.press('Enter');
    await expect.poll(() => fragment(page)).toBe('#/flows?filter=host 10.96.0.10 and port 80');
    await expect(page.getByTestId('flows-summary')).toContainText(/matching, \d+ in all/);
    const rows = page.getByTestId('flow-row');
    await expect(rows.first()).toContainText('10.40.1.3:40001 → 10.96.0.10:80');
    for (const row of await rows.all()) await expect(row).toContainText('10.96.0.10:80');

    await page.keyboard.press('Tab'); // Apply
    await page.keyboard.press('Tab'); // the grid
    await expect(page.getByTestId('flows-table')).toBeFocused();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('flow-detail')).toContainText('Flow 1 · TCP 10.40.1.3:40001 → 10.96.0.10:80');
    await expect.poll(() => fragment(page)).toBe('#/flows/1?filter=host 10.96.0.10 and port 80');
    await expect(page.getByTestId('flows-table')).toBeFocused();
    // The flow's packets are a list of their own: the transcripts saw it between the nodes, after DNAT and SNAT.
    await expect(page.getByTestId('flow-detail').getByTestId('packet-row').first()).toContainText('nodeb · eth0→192.168.56.11:40001 → 10.40.2.2:8080');
    await page.keyboard.press('Escape');
    await expect(page.getByTestId('flow-detail')).toHaveCount(0);
    await expect.poll(() => fragment(page)).toBe('#/flows?filter=host 10.96.0.10 and port 80');

    await page.keyboard.press('Control+c');
    await expect.poll(() => clipboard(page)).toBe('tcp 10.40.1.3:40001 → 10.96.0.10:80');
    await page.keyboard.press('Shift+F10');
    await expect(page.getByTestId('copy-menu')).toBeVisible();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await expect.poll(() => clipboard(page)).toMatch(/^tcp and \(\(src host 10\.40\.1\.3 and src port 40001 and dst host 10\.96\.0\.10 and dst port 80\) or /);
    await expect(page.getByTestId('copy-menu')).toHaveCount(0);

    // Back returns to the unfiltered list.
    await page.goBack();
    await page.goBack();
    await page.goBack();
    await expect.poll(() => fragment(page)).toBe('#/flows');
    await expect(page.getByTestId('flows-summary')).not.toContainText('matching');
    expect(session.consoleErrors).toEqual([]);
  });

  test('sorts the flows on the server by a header: packets, most first', async ({ page }) => {
    await page.getByRole('tab', { name: 'Flows' }).click();
    const header = page.getByRole('columnheader', { name: /Packets/ });
    await header.getByRole('button').click();
    await expect(header).toHaveAttribute('aria-sort', 'ascending');
    await header.getByRole('button').click();
    await expect(header).toHaveAttribute('aria-sort', 'descending');
    const counts = async (): Promise<number[]> =>
      (await page.getByTestId('flow-row').locator('.vg-cell.num').allTextContents()).map((t) => Number(t.replace(/,/g, '')));
    await expect.poll(async () => {
      const c = await counts();
      return c.length > 1 && c.every((n, i) => i === 0 || c[i - 1]! >= n);
    }).toBe(true);
  });

  test('names the column of a filter it cannot read, and keeps the link', async ({ page }) => {
    await page.goto(`${session.serve.url.toString()}#/flows?filter=${encodeURIComponent('host 10.96.0.10 and prot 80')}`);
    await expect(page.getByTestId('flow-filter-error')).toContainText('column 21: "prot" is neither an IP address nor a filter word');
    await expect(page.getByTestId('flow-filter')).toHaveValue('host 10.96.0.10 and prot 80');
  });

  test('copies a trace as its natlens trace command', async ({ page }) => {
    await page.goto(`${session.serve.url.toString()}#/trace?node=nodea&proto=tcp&src=10.40.1.3:40001&dst=10.96.0.10:80&in=cbr0`);
    await expect(page.getByTestId('trace-result')).toContainText('2 outcomes');
    await page.getByTestId('copy-trace-command').focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => clipboard(page)).toBe('natlens trace --node nodea --proto tcp --src 10.40.1.3:40001 --dst 10.96.0.10:80 --in cbr0');
  });

  test('mounts only the visible tab and never asks for /favicon.ico', async ({ page }) => {
    const asked: string[] = [];
    page.on('request', (r) => asked.push(new URL(r.url()).pathname));
    await page.reload();
    await page.getByRole('tab', { name: 'Flows' }).click();
    await expect(page.getByTestId('flows-table')).toBeVisible();
    await page.getByRole('tab', { name: 'Captures' }).click();
    await expect(page.getByTestId('captures-table')).toBeVisible();
    await expect(page.getByTestId('flows-table')).toHaveCount(0);
    await expect(page.getByRole('tabpanel')).toHaveCount(1);
    await expect(page.getByRole('tabpanel')).toHaveAttribute('aria-labelledby', 'tab-captures');
    // The captures list filters as typed; the link takes the text on Enter.
    await page.getByTestId('captures-filter').fill('nodeb');
    await page.keyboard.press('Enter');
    await expect.poll(() => fragment(page)).toBe('#/captures?filter=nodeb');
    for (const row of await page.getByTestId('capture-row').all()) await expect(row).toContainText('nodeb');
    expect(asked).not.toContain('/favicon.ico');
    expect(session.consoleErrors).toEqual([]);
  });

  test('follows a dark system, keeps the toggle’s choice across a reload, and screenshots the dark Flows tab', async ({ page }) => {
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.reload();
    await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
    const toggle = page.getByTestId('theme-toggle');
    await expect(toggle).toHaveAttribute('aria-label', 'Theme: system (dark)');
    await toggle.click();
    await toggle.click();
    await expect(toggle).toHaveAttribute('aria-label', 'Theme: light');
    await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
    await page.reload();
    await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
    await toggle.click();
    await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');

    await page.getByRole('tab', { name: 'Flows' }).click();
    await page.getByTestId('flow-row').first().click();
    await expect(page.getByTestId('flow-detail')).toContainText('Hop timeline');
    const target = process.env.NATLENS_SCREENSHOT === '1' ? path.join(root, 'docs', 'flows-dark.png') : path.join(root, 'test-results', 'flows-dark.png');
    await page.screenshot({ path: target, fullPage: false });
  });

  for (const scheme of ['light', 'dark'] as const) {
    test(`axe finds no serious or critical violation on any tab (${scheme})`, async ({ page }) => {
      await page.emulateMedia({ colorScheme: scheme });
      await page.reload();
      const found: string[] = [];
      for (const tab of TABS) {
        await page.getByRole('tab', { name: tab.label }).click();
        await expect(page.getByRole('tabpanel')).toHaveAttribute('aria-labelledby', `tab-${tab.id}`);
        await expect(page.getByRole('tabpanel').getByText(/Loading…|Stitching flows…/)).toHaveCount(0);
        if (tab.id === 'flows') await page.getByTestId('flow-row').first().click();
        if (tab.id === 'trace') {
          await page.goto(`${session.serve.url.toString()}#/trace?node=nodea&proto=tcp&src=10.40.1.3:40001&dst=10.96.0.10:80&in=cbr0`);
          await expect(page.getByTestId('trace-result')).toContainText('2 outcomes');
        }
        // Legacy mode runs axe inside the page's frames; the default opens a second page, which this browser context refuses.
        const result = await new AxeBuilder({ page }).setLegacyMode(true).analyze();
        for (const v of result.violations) {
          if (v.impact === 'serious' || v.impact === 'critical') found.push(`${tab.label}: ${v.id} (${v.impact}) ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
        }
      }
      expect(found).toEqual([]);
    });
  }
});

/**
 * List and detail side by side, the whole width of the window, on the kernel lab (web mode): Flows,
 * Nodes and Findings show the opened item beside its list; the separator between them is dragged or
 * moved with the keyboard (role=separator, arrows, Home/End, Enter), and its place is kept across a reload.
 * The lab has no findings: the Findings list/detail is walked in deep-links.spec.ts.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { labSession } from './lab-session';

const fragment = (page: Page): string => decodeURIComponent(new URL(page.url()).hash);

test.describe('resizable list/detail panes (web mode, kernel lab)', () => {
  const session = labSession('panes');
  test.use({ viewport: { width: 1700, height: 900 } });

  test('Flows: the detail opens beside the list, the separator moves by keyboard and pointer, and the split survives a reload', async ({ page }) => {
    await page.goto(`${session.serve.url.toString()}#/flows`);
    await expect(page.getByTestId('flows-splitter')).toHaveCount(0);
    await page.getByTestId('flow-row').first().click();
    await expect(page.getByTestId('flow-detail')).toBeVisible();
    const split = page.getByTestId('flows-split');
    const separator = page.getByRole('separator', { name: 'Resize the flow list' });
    await expect(separator).toHaveAttribute('aria-valuenow', '60');
    await expect(separator).toHaveAttribute('aria-orientation', 'vertical');

    // Full width: no fixed column; the list and the detail sit side by side.
    const splitBox = (await split.boundingBox())!;
    expect(splitBox.width).toBeGreaterThan(1600);
    const listBox = (await page.getByTestId('flows-table').boundingBox())!;
    const detailBox = (await page.getByTestId('flow-detail').boundingBox())!;
    expect(detailBox.x).toBeGreaterThan(listBox.x + listBox.width - 1);
    expect(Math.abs(detailBox.y - listBox.y)).toBeLessThan(40);

    await separator.focus();
    for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowLeft');
    await expect(separator).toHaveAttribute('aria-valuenow', '50');
    await page.keyboard.press('Shift+ArrowLeft');
    await expect(separator).toHaveAttribute('aria-valuenow', '40');
    const narrower = (await page.getByTestId('flows-table').boundingBox())!;
    expect(narrower.width).toBeLessThan(listBox.width - 250);
    await page.keyboard.press('Home');
    await expect(separator).toHaveAttribute('aria-valuenow', '20');
    await page.keyboard.press('End');
    await expect(separator).toHaveAttribute('aria-valuenow', '80');
    await page.keyboard.press('Enter');
    await expect(separator).toHaveAttribute('aria-valuenow', '60');

    // Dragged with the pointer to a third of the width.
    const handle = (await separator.boundingBox())!;
    await page.mouse.move(handle.x + handle.width / 2, handle.y + 60);
    await page.mouse.down();
    await page.mouse.move(splitBox.x + splitBox.width / 3, handle.y + 60, { steps: 5 });
    await page.mouse.up();
    await expect(separator).toHaveAttribute('aria-valuenow', '33');

    await page.reload();
    await expect(page.getByRole('separator', { name: 'Resize the flow list' })).toHaveAttribute('aria-valuenow', '33');
    expect(fragment(page)).toMatch(/^#\/flows\/\d+$/);
    const axe = await new AxeBuilder({ page }).include('[data-testid="flows-split"]').analyze();
    expect(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id)).toEqual([]);
  });

  test('Nodes: an opened node shows beside the node list; choosing another from the list opens it', async ({ page }) => {
    await page.goto(`${session.serve.url.toString()}#/nodes/nodea`);
    await expect(page.getByTestId('node-row')).toHaveCount(2);
    await expect(page.getByTestId('node-card')).toHaveAttribute('aria-label', 'node nodea');
    await expect(page.getByRole('separator', { name: 'Resize the node list' })).toHaveAttribute('aria-valuenow', '30');
    await page.getByTestId('node-row').filter({ hasText: 'nodeb' }).click();
    await expect.poll(() => fragment(page)).toBe('#/nodes/nodeb');
    await expect(page.getByTestId('node-card')).toHaveAttribute('aria-label', 'node nodeb');
    // Esc in the list closes the node: every card again, the whole width.
    await page.getByTestId('nodes-table').focus();
    await page.keyboard.press('Escape');
    await expect.poll(() => fragment(page)).toBe('#/nodes');
    await expect(page.getByTestId('node-card')).toHaveCount(2);
  });
});

/**
 * The analysis tabs in web mode, on the kernel lab's transcripts imported through the file picker:
 * the topology graph, a ClusterIP trace split over the service's two endpoints, and the screenshot
 * of the docs.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { labSession, root } from './lab-session';

test.describe('analysis tabs (web mode, kernel lab)', () => {
  const session = labSession('tabs');

  test('draws both nodes, the route between them and the service namespace; opens a node found by name', async ({ page }) => {
    await page.getByRole('tab', { name: 'Topology' }).click();
    await expect(page.getByTestId('topology-summary')).toHaveText(/^2 nodes · \d+ pods? · 1 service in 1 namespace · 1 route link · 8 elements drawn$/);
    // What cytoscape itself holds: 2 node boxes, each with its eth0 and its cbr0 counted, and the service group; one route edge both ways.
    const graph = page.getByTestId('topology-canvas');
    await expect(graph).toHaveAttribute('data-drawn-nodes', '7');
    await expect(graph).toHaveAttribute('data-drawn-edges', '1');
    const canvas = graph.locator('canvas').first();
    await expect(canvas).toBeVisible();
    expect((await canvas.boundingBox())?.width ?? 0).toBeGreaterThan(400);
    await page.getByTestId('topology-search').fill('nodea');
    await page.getByRole('button', { name: 'Find' }).click();
    await expect(graph).toHaveAttribute('data-focused', 'node|nodea');
    // nodea opened: its interfaces (eth0, cbr0 and the veths on it) replace the two aggregates.
    await expect(graph).not.toHaveAttribute('data-drawn-nodes', '7');
    const open = Number(await graph.getAttribute('data-drawn-nodes'));
    await page.getByLabel('Show loopback').check();
    await expect(graph).toHaveAttribute('data-drawn-nodes', String(open + 1));
    expect(session.consoleErrors).toEqual([]);
  });

  test('traces 10.40.1.3:40001 → 10.96.0.10:80 in cbr0 on nodea into two 50% outcomes naming default/hello:http', async ({ page }) => {
    await page.getByRole('tab', { name: 'Trace' }).click();
    await page.getByTestId('trace-node').selectOption('nodea');
    await page.getByTestId('trace-proto').selectOption('tcp');
    await page.getByTestId('trace-src').fill('10.40.1.3:40001');
    await page.getByTestId('trace-dst').fill('10.96.0.10:80');
    await page.getByTestId('trace-in').selectOption('cbr0');
    await page.getByTestId('trace-run').click();

    const outcomes = page.getByTestId('trace-outcome');
    await expect(outcomes).toHaveCount(2);
    for (const outcome of await outcomes.all()) {
      await expect(outcome.locator('.share-text')).toHaveText('50%');
      await expect(outcome.getByTestId('outcome-summary')).toContainText('default/hello:http');
    }
    await expect(page.getByTestId('trace-result')).toContainText('2 outcomes: 2 forwarded');
    // Rule text is shown as text, exactly as captured (quotes included).
    await expect(outcomes.first().locator('code.rule').first()).toHaveText('-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES');
    // The DNAT rewrite marks what it changed.
    await expect(outcomes.first().locator('table.hops mark').first()).toBeVisible();
    expect(session.consoleErrors).toEqual([]);
  });

  test('says what is wrong with a bad endpoint before asking the server', async ({ page }) => {
    await page.getByRole('tab', { name: 'Trace' }).click();
    await page.getByTestId('trace-src').fill('pod-a:40001');
    await page.getByTestId('trace-dst').fill('10.96.0.10:80');
    await page.getByTestId('trace-run').click();
    await expect(page.getByText('"pod-a:40001" is not IP[:PORT]')).toBeVisible();
    await expect(page.getByTestId('trace-outcome')).toHaveCount(0);
  });

  test('lists the stitched flows a page at a time and opens one with its hop timeline', async ({ page }) => {
    await page.getByRole('tab', { name: 'Flows' }).click();
    await expect(page.getByTestId('flows-summary')).toContainText(/Flows 1–\d+ of \d+/);
    const first = page.getByTestId('flow-row').first();
    await expect(first).toContainText('10.40.1.3:40001 → 10.96.0.10:80');
    await expect(first).toContainText('DNAT');
    await expect(first).toContainText('default/hello:http');
    await first.click();
    const detail = page.getByTestId('flow-detail');
    await expect(detail).toContainText('Flow 1 · TCP 10.40.1.3:40001 → 10.96.0.10:80');
    // The transcripts hold eth0's packets only: the connection is seen between the nodes, after DNAT and SNAT.
    await expect(detail.getByTestId('flow-hops')).toContainText('post-NAT');
    await expect(detail.getByTestId('flow-hops')).toContainText('reply before de-NAT');
    await expect(detail).toContainText('Rewrites');
    await page.screenshot({ path: path.join(root, 'test-results', 'flows.png'), fullPage: true });
    expect(session.consoleErrors).toEqual([]);
  });

  test('docs screenshot: the trace tab with the lab ClusterIP trace', async ({ page }) => {
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.getByRole('tab', { name: 'Trace' }).click();
    await page.getByTestId('trace-src').fill('10.40.1.3:40001');
    await page.getByTestId('trace-dst').fill('10.96.0.10:80');
    await page.getByTestId('trace-in').selectOption('cbr0');
    await page.getByTestId('trace-follow').check();
    await page.getByTestId('trace-run').click();
    await expect(page.getByTestId('trace-outcome')).toHaveCount(2);
    await page.getByRole('button', { name: 'Dismiss' }).click();
    // The README's picture is refreshed on request only (NATLENS_SCREENSHOT=1 npm run e2e): a test run leaves the tree as it found it.
    const target = process.env.NATLENS_SCREENSHOT === '1' ? path.join(root, 'docs', 'screenshot.png') : path.join(root, 'test-results', 'screenshot.png');
    fs.mkdirSync(path.dirname(target), { recursive: true });
    await page.screenshot({ path: target, fullPage: false });
    await page.getByText(/Rule by rule/).first().click();
    await page.screenshot({ path: path.join(root, 'test-results', 'trace-steps.png'), fullPage: true });
    await page.getByRole('tab', { name: 'Topology' }).click();
    await expect(page.getByTestId('topology-summary')).toContainText('2 nodes');
    await page.screenshot({ path: path.join(root, 'test-results', 'topology.png'), fullPage: false });
  });
});

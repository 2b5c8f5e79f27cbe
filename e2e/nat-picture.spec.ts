/**
 * The NAT timeline picture in the flow detail (web mode, kernel lab): a NodePort connection DNATed and
 * SNATed on nodeb drawn as lanes per capture point, a hop opened from the keyboard and by a click shows
 * the rule that rewrote it with its file:line, and axe finds nothing serious in it (light and dark).
 * With nodeb's FORWARD policy captured as DROP afterwards, the picture marks where replay and capture part.
 * NATLENS_SCREENSHOT=1 writes docs/nat-timeline.png.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { startServe, type ServeProcess } from './natlens-serve';

const root = path.resolve(__dirname, '..');
const natlens = path.join(root, 'bin', 'natlens');
const labNodes = path.join(root, 'test', 'fixtures', 'lab', 'nodes');
const screenshot = (name: string): string => path.join(root, process.env.NATLENS_SCREENSHOT === '1' ? 'docs' : 'test-results', name);

function flowId(db: string, match: (f: { original: { src: string; sport: number | null; dst: string; dport: number | null } }) => boolean): number {
  const flows = JSON.parse(execFileSync(natlens, ['flows', '--db', db, '--json'], { cwd: root, encoding: 'utf8' })) as Array<{ id: number; original: { src: string; sport: number | null; dst: string; dport: number | null } }>;
  const flow = flows.find(match);
  if (flow === undefined) throw new Error('the lab flow is missing');
  return flow.id;
}

async function seriousViolations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).include('[data-testid="nat-picture"]').setLegacyMode(true).analyze();
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
}

test.describe('the NAT timeline picture (web mode, kernel lab)', () => {
  let dir = '';
  let serve: ServeProcess | null = null;
  const consoleErrors: string[] = [];

  test.beforeEach(async ({ page }) => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'natlens-e2e-picture-'));
    consoleErrors.length = 0;
    page.on('console', (m) => m.type() === 'error' && !m.text().startsWith('Failed to load resource') && consoleErrors.push(m.text()));
    page.on('response', (r) => r.status() >= 400 && consoleErrors.push(`${r.status()} ${r.url()}`));
  });
  test.afterEach(async () => {
    if (serve !== null) expect(await serve.stop()).toBe(0);
    serve = null;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('draws the NodePort flow on its lanes; a hop opens its packets and the rules that rewrote it', async ({ page }) => {
    const db = path.join(dir, 'lab.db');
    execFileSync(natlens, ['import', '--db', db, labNodes], { cwd: root, stdio: 'ignore' });
    const id = flowId(db, (f) => f.original.sport === 41001 && f.original.dport === 30080);
    serve = await startServe(db);
    await page.goto(`${serve.url.toString()}#/flows/${id}`);

    const picture = page.getByTestId('nat-picture');
    const drawing = picture.getByRole('img');
    await expect(drawing).toHaveAttribute('aria-label', /^NAT timeline: 6 sightings across 3 capture points \(nodeb · eth0, nodeb · cbr0, nodeb · veth-b1\)/);
    // Wait for the replay: the predicted band joins the picture when the divergence answer arrives.
    await expect(drawing).toHaveAttribute('aria-label', /2 predicted points, the captures agree with the replay/);
    for (const lane of ['eth0', 'cbr0', 'veth-b1']) await expect(drawing.locator('.lane-where', { hasText: lane })).toHaveCount(1);
    await expect(drawing.locator('text.change')).toHaveText([
      'src 192.168.56.100:41001 → 10.40.2.1:41001', 'dst 192.168.56.12:30080 → 10.40.2.2:8080',
      'src 10.40.2.2:8080 → 192.168.56.12:30080', 'dst 10.40.2.1:41001 → 192.168.56.100:41001',
    ]);
    await expect(drawing.locator('tspan.changed', { hasText: '10.40.2.2:8080' }).first()).toBeVisible();
    await expect(drawing.getByText('Replay predicts')).toBeVisible();
    await expect(drawing.locator('[data-testid="nat-predicted"][data-status="agree"]')).toHaveCount(2);
    await expect(drawing).toContainText('TIME_WAIT [ASSURED] DNAT+SNAT');

    const hops = picture.getByTestId('nat-hop');
    await expect(hops).toHaveCount(6);
    // Keyboard: Tab reaches the hops, Enter opens one.
    await hops.nth(0).focus();
    await page.keyboard.press('Tab');
    await expect(hops.nth(1)).toBeFocused();
    await page.keyboard.press('End');
    await expect(hops.nth(5)).toBeFocused();
    await page.keyboard.press('Home');
    await page.keyboard.press('ArrowDown');
    await expect(hops.nth(1)).toBeFocused();
    await page.keyboard.press('Enter');
    const detail = picture.getByTestId('nat-hop-detail');
    await expect(detail).toContainText('Hop 2 · nodeb · cbr0 · original');
    const rules = detail.getByTestId('nat-hop-rule');
    await expect(rules).toHaveCount(2);
    await expect(rules.nth(1)).toContainText('DNAT on nodeb → 10.40.2.2:8080');
    await expect(rules.nth(1)).toContainText(`${path.join(labNodes, 'nodeb', 'iptables-save.txt')}:40`);
    await expect(rules.nth(1).locator('code.rule')).toContainText('-j DNAT --to-destination 10.40.2.2:8080');
    await expect(rules.nth(0)).toContainText('KUBE-POSTROUTING');
    await expect(detail.locator('table.hop-packets tbody tr')).toHaveCount(7);

    // A click on the reply leaving nodeb: the rules its de-NAT undoes.
    await hops.nth(5).click();
    await expect(detail).toContainText('Hop 6 · nodeb · eth0 · reply');
    await expect(detail.getByTestId('nat-hop-rule').first()).toContainText('undoes DNAT of nodeb');

    expect(await seriousViolations(page)).toEqual([]);
    await hops.nth(1).click();
    // Wide enough for the detail pane to hold the picture without scrolling it.
    await page.setViewportSize({ width: 1680, height: 1700 });
    await picture.scrollIntoViewIfNeeded();
    await page.mouse.move(0, 0);
    await picture.screenshot({ path: screenshot('nat-timeline.png') });
    await page.emulateMedia({ colorScheme: 'dark' });
    await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
    expect(await seriousViolations(page)).toEqual([]);
    await picture.screenshot({ path: path.join(root, 'test-results', 'nat-timeline-dark.png') });
    expect(consoleErrors).toEqual([]);
  });

  test('marks where the replay and the captures part ways', async ({ page }) => {
    const db = path.join(dir, 'drop.db');
    const rules = fs.readFileSync(path.join(labNodes, 'nodeb', 'iptables-save.txt'), 'utf8');
    const drop = path.join(dir, 'nodeb-after.txt');
    fs.writeFileSync(drop, `root@nodeb:~# iptables-save\n${rules.replace(/^:FORWARD ACCEPT /m, ':FORWARD DROP ')}root@nodeb:~# \n`);
    execFileSync(natlens, ['import', '--db', db, labNodes], { cwd: root, stdio: 'ignore' });
    execFileSync(natlens, ['import', '--db', db, drop], { cwd: root, stdio: 'ignore' });
    const id = flowId(db, (f) => f.original.sport === 40001 && f.original.dst === '10.96.0.10');
    serve = await startServe(db);
    await page.goto(`${serve.url.toString()}#/flows/${id}`);
    const picture = page.getByTestId('nat-picture');
    await expect(picture.locator('.divergence-headline')).toContainText('First difference at nodeb');
    await expect(picture.getByRole('img')).toHaveAttribute('aria-label', /First difference at nodeb/);
    await expect(picture.getByRole('img').locator('.first-divergence')).not.toHaveCount(0);
    await expect(picture.getByRole('img').getByText('≠ first difference').first()).toBeVisible();
    // The marked sighting is announced as such to the keyboard and screen reader too.
    await expect(picture.locator('[data-testid="nat-hop"][aria-label*="first difference from the replay"]')).toHaveCount(1);
    expect(consoleErrors).toEqual([]);
  });
});

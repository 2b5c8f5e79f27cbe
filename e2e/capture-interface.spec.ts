/**
 * A capture whose interface nothing says (the lab's eth0 pcap renamed `nodea-wire.pcap`), chosen in the Captures
 * tab: the choice is stored with the capture (a reload shows it) and the flows are stitched again with it.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { root } from './lab-session';
import { startServe, type ServeProcess } from './natlens-serve';

const NODEA = path.join(root, 'test', 'fixtures', 'lab', 'nodes', 'nodea');

test.describe('choosing a capture\'s interface (web mode)', () => {
  let dir = '';
  let serve: ServeProcess | undefined;
  test.beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'natlens-e2e-iface-'));
    const node = path.join(dir, 'nodea');
    fs.mkdirSync(node);
    for (const f of ['ip-addr.txt', 'ip-route.txt', 'iptables-save.txt', 'conntrack.txt']) fs.copyFileSync(path.join(NODEA, f), path.join(node, f));
    fs.copyFileSync(path.join(NODEA, 'eth0.pcap'), path.join(node, 'nodea-wire.pcap'));
    execFileSync(path.join(root, 'bin', 'natlens'), ['import', '--db', path.join(dir, 'p.db'), node], { cwd: root, stdio: 'ignore' });
  });
  test.afterEach(async () => {
    expect(await serve!.stop()).toBe(0);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('sets the interface of a pcap that does not say it, keeps it, and the flows name it', async ({ page, request }) => {
    serve = await startServe(path.join(dir, 'p.db'));
    await page.goto(serve.url.toString());
    await page.getByRole('tab', { name: 'Captures' }).click();
    const row = page.getByTestId('captures-table').getByTestId('capture-row').filter({ hasText: 'nodea-wire.pcap' });
    await expect(row.getByTestId('capture-interface-label')).toHaveText('not known');
    await row.getByTestId('capture-interface-input').fill('eth0');
    await row.getByTestId('capture-interface-set').click();
    await expect(row.getByTestId('capture-interface-label')).toHaveText('eth0 (chosen here)');

    await page.reload();
    await page.getByRole('tab', { name: 'Captures' }).click();
    await expect(page.getByTestId('captures-table').getByTestId('capture-row').filter({ hasText: 'nodea-wire.pcap' }).getByTestId('capture-interface-label')).toHaveText('eth0 (chosen here)');

    // The flows were stitched again: the pcap's packets now carry the chosen interface.
    const headers = { Authorization: `Bearer ${serve.token}`, 'Content-Type': 'application/json' };
    const base = `http://127.0.0.1:${serve.port}`;
    const page1 = await (await request.post(`${base}/api/flows`, { headers, data: { offset: 0, limit: 500 } })).json() as { flows: { id: number; packets: number }[] };
    const withPackets = page1.flows.filter((f) => f.packets > 0);
    expect(withPackets.length).toBeGreaterThan(0);
    const detail = await (await request.post(`${base}/api/flow`, { headers, data: { id: withPackets[0]!.id } })).json() as {
      observations: { kind: string; interface: string | null }[];
    };
    const packets = detail.observations.filter((o) => o.kind === 'packet');
    expect(packets.length).toBeGreaterThan(0);
    expect(new Set(packets.map((o) => o.interface))).toEqual(new Set(['eth0']));
  });
});

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { startServe, type ServeProcess } from './natlens-serve';
import { hasShared, sharedDisplay, sharedFile, skipLine } from '../test/support/shared-corpus';

const root = path.resolve(__dirname, '..');
// A real transcript: `ip a show dev docker0` on nodea and nodeb, routes, iptables (in ../shared).
const transcript = sharedFile('transcripts', '002_1fb178fb5a43cd31.txt');
// The project's own kernel-lab transcript of nodea.
const labTranscript = path.join(root, 'test', 'fixtures', 'lab', 'transcripts', 'nodea.txt');

function get(port: number, pathname: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: pathname, headers }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test.describe('natlens serve (web mode)', () => {
  let dir: string;
  let dbPath: string;
  let serve: ServeProcess;

  test.beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'natlens-e2e-'));
    dbPath = path.join(dir, 'project.db');
    serve = await startServe(dbPath);
  });

  test.afterEach(async () => {
    const code = await serve.stop();
    expect(code).toBe(0);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('prints a 127.0.0.1 URL with a token on the first stdout line', () => {
    expect(serve.url.hostname).toBe('127.0.0.1');
    expect(serve.url.pathname).toBe('/');
    expect(serve.token.length).toBeGreaterThanOrEqual(32);
  });

  test.describe('on the shared two-node transcript', () => {
    test.skip(!hasShared('transcripts'), skipLine('e2e web mode imports of the two-node transcript', sharedDisplay('transcripts')));

    test('imports a transcript picked in the browser and shows its nodes', async ({ page }) => {
      await page.goto(serve.url.toString());
      await expect(page.getByTestId('project-path')).toHaveText(dbPath);
      await expect(page.getByText('No nodes yet')).toBeVisible();

      // Hold the import call until the bar has shown the finished upload, so the check is not a race.
      let release: () => void = () => {};
      const held = new Promise<void>((resolve) => (release = resolve));
      await page.route('**/api/import', async (route) => {
        await held;
        await route.continue();
      });
      await page.getByTestId('file-input').setInputFiles(transcript);
      const bar = page.getByTestId('import-progress');
      await expect(bar.locator('progress')).toHaveAttribute('value', '0.5');
      await expect(bar).toContainText('Uploading');
      release();
      await expect(page.getByTestId('import-result')).toContainText(/Imported \d+ captures? on \d+ nodes?/);
      await expect(bar).toHaveCount(0);

      const nodea = page.getByRole('article', { name: 'node nodea' });
      await expect(nodea).toBeVisible();
      const docker0 = nodea.locator('table.interfaces tr', { hasText: 'docker0' });
      await expect(docker0).toContainText('172.17.0.1/16');
      await expect(docker0).toContainText('02:42:10:a3:5a:ce');

      await page.getByRole('tab', { name: 'Captures' }).click();
      await expect(page.getByTestId('captures-table')).toContainText('002_1fb178fb5a43cd31.txt:');
      await page.getByRole('tab', { name: 'Nodes' }).click();
    });

    test('imports a file dropped on the drop zone', async ({ page }) => {
      await page.goto(serve.url.toString());
      const text = fs.readFileSync(transcript, 'utf8');
      const dataTransfer = await page.evaluateHandle((content) => {
        const dt = new DataTransfer();
        dt.items.add(new File([content], 'dropped-session.txt', { type: 'text/plain' }));
        return dt;
      }, text);
      await page.getByTestId('dropzone').dispatchEvent('drop', { dataTransfer });
      await expect(page.getByTestId('import-result')).toContainText(/Imported \d+ captures?/);
      const nodeb = page.getByRole('article', { name: 'node nodeb' });
      await expect(nodeb.locator('table.interfaces tr', { hasText: 'eth0' })).toContainText('172.31.30.148/20');
      // Sources name the dropped file, not the server's temp copy.
      await expect(nodeb.locator('.node-captures')).toContainText('dropped-session.txt:274');
    });
  });

  test('GET /api/nodes answers the same JSON as natlens nodes --json', async ({ page }) => {
    await page.goto(serve.url.toString());
    await page.getByTestId('file-input').setInputFiles(labTranscript);
    await expect(page.getByTestId('import-result')).toBeVisible();
    const api = await get(serve.port, '/api/nodes', { Authorization: `Bearer ${serve.token}` });
    expect(api.status).toBe(200);
    const cli = execFileSync(path.join(root, 'bin', 'natlens'), ['nodes', '--db', dbPath, '--json'], { cwd: root, encoding: 'utf8' });
    expect(JSON.parse(api.body)).toEqual(JSON.parse(cli));
  });

  test('refuses the API without the token (401) and from a foreign Host (403)', async () => {
    expect((await get(serve.port, '/api/nodes', {})).status).toBe(401);
    expect((await get(serve.port, '/api/nodes', { Authorization: 'Bearer not-the-token' })).status).toBe(401);
    expect((await get(serve.port, '/api/nodes', { Authorization: `Bearer ${serve.token}`, Host: `rebound.example:${serve.port}` })).status).toBe(403);
    expect((await get(serve.port, '/', { Host: 'rebound.example' })).status).toBe(403);
    expect(fs.existsSync(dbPath)).toBe(false);
  });

  test('a page opened without the token explains where to find it', async ({ page }) => {
    await page.goto(`http://127.0.0.1:${serve.port}/`);
    await expect(page.getByText('needs the access token')).toBeVisible();
  });
});

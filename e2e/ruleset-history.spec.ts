/** The node view's "Ruleset history" in web mode, on the two-node Docker transcript. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { startServe, type ServeProcess } from './natlens-serve';
import { hasShared, sharedFile, sharedDisplay, skipLine } from '../test/support/shared-corpus';

const transcript = sharedFile('transcripts', '002_1fb178fb5a43cd31.txt');

test.describe('ruleset history (web mode)', () => {
  test.skip(!hasShared('transcripts'), skipLine('e2e ruleset history (web mode) on the two-node transcript', sharedDisplay('transcripts')));
  let dir: string;
  let serve: ServeProcess;

  test.beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'natlens-e2e-rulesets-'));
    serve = await startServe(path.join(dir, 'project.db'));
  });

  test.afterEach(async () => {
    expect(await serve.stop()).toBe(0);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test("shows nodeb's FORWARD rule as added between its filter listings at lines 702 and 754", async ({ page }) => {
    await page.goto(serve.url.toString());
    await page.getByTestId('file-input').setInputFiles(transcript);
    await expect(page.getByTestId('import-result')).toContainText(/Imported \d+ captures? on \d+ nodes?/);
    const card = page.getByRole('article', { name: 'node nodeb' });
    const history = card.getByTestId('ruleset-history');
    await history.locator('summary').click();
    await expect(history.getByTestId('ruleset-summary')).toHaveText(/^3 snapshots, 2 with changes/);
    const second = history.getByTestId('ruleset-snapshot').nth(1);
    await expect(second).toContainText('002_1fb178fb5a43cd31.txt:754');
    await expect(second).toContainText(/compared with #\d+ \(\S*002_1fb178fb5a43cd31\.txt:702\)/);
    const added = second.getByTestId('ruleset-added');
    await expect(added).toHaveText(['+ -A FORWARD -d 172.18.0.0/16 -i eth0 -j ACCEPT']);
    // The theme's --ok (#18703e in the light theme): an added rule reads as added by its colour too.
    await expect(added.first()).toHaveCSS('color', 'rgb(24, 112, 62)');
    await expect(second.getByTestId('ruleset-removed')).toHaveCount(0);
    await expect(history.getByTestId('ruleset-snapshot').nth(2).getByTestId('ruleset-removed').first()).toHaveText('- -A FORWARD -j DOCKER-ISOLATION');
  });
});

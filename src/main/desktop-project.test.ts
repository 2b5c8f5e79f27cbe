import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { coreStoreOpener } from '../shared/backend/core-backend';
import { DesktopProject } from './desktop-project';

describe('the desktop project', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'natlens-desktop-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('starts without a project, creates one, and reopens it on the next run', () => {
    const memory = path.join(dir, 'user', 'natlens-desktop.json');
    const first = new DesktopProject(coreStoreOpener(), memory);
    expect(first.project).toBeNull();
    first.switchTo(path.join(dir, 'a.db'), true);
    expect(fs.existsSync(path.join(dir, 'a.db'))).toBe(true);
    first.dispose();
    const second = new DesktopProject(coreStoreOpener(), memory);
    expect(second.project?.dbPath).toBe(path.join(dir, 'a.db'));
    second.dispose();
  });

  it('keeps the current project when the chosen file is not a natlens database', () => {
    const desktop = new DesktopProject(coreStoreOpener(), path.join(dir, 'memory.json'));
    desktop.switchTo(path.join(dir, 'good.db'), true);
    fs.writeFileSync(path.join(dir, 'notes.db'), 'these are not SQLite pages, just text that is long enough to look like a header');
    expect(() => desktop.switchTo(path.join(dir, 'notes.db'), false)).toThrow();
    expect(desktop.project?.dbPath).toBe(path.join(dir, 'good.db'));
    desktop.dispose();
  });
});

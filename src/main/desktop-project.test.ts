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

  it('keeps the opened projects as recent ones across runs, tells listeners, and drops a recent one that is gone', () => {
    const memory = path.join(dir, 'memory.json');
    const desktop = new DesktopProject(coreStoreOpener(), memory);
    let changes = 0;
    desktop.onChange(() => changes++);
    desktop.switchTo(path.join(dir, 'a.db'), true);
    desktop.switchTo(path.join(dir, 'b.db'), true);
    expect(desktop.recent).toEqual([path.join(dir, 'b.db'), path.join(dir, 'a.db')]);
    expect(changes).toBe(2);
    desktop.openRecent(path.join(dir, 'a.db'));
    expect(desktop.project?.dbPath).toBe(path.join(dir, 'a.db'));
    desktop.dispose();

    fs.rmSync(path.join(dir, 'b.db'));
    const next = new DesktopProject(coreStoreOpener(), memory);
    expect(next.project?.dbPath).toBe(path.join(dir, 'a.db'));
    expect(next.recent).toEqual([path.join(dir, 'a.db'), path.join(dir, 'b.db')]);
    expect(() => next.openRecent(path.join(dir, 'b.db'))).toThrow(`${path.join(dir, 'b.db')} no longer exists; it was removed from the recent projects`);
    expect(next.recent).toEqual([path.join(dir, 'a.db')]);
    expect(next.project?.dbPath).toBe(path.join(dir, 'a.db'));
    next.clearRecent();
    expect(next.recent).toEqual([]);
    next.dispose();
  });
});

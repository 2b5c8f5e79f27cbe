import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { clearRecent, EMPTY_MEMORY, forgetProject, MAX_RECENT, parseMemory, readMemory, rememberProject, writeMemory } from './recent-projects';

describe('recent projects', () => {
  it('puts the opened project first, once, and keeps at most the limit', () => {
    let memory = EMPTY_MEMORY;
    for (const p of ['/a.db', '/b.db', '/c.db', '/a.db']) memory = rememberProject(memory, p);
    expect(memory).toEqual({ lastProject: '/a.db', recent: ['/a.db', '/c.db', '/b.db'] });
    for (let i = 0; i < 25; i++) memory = rememberProject(memory, `/p${i}.db`);
    expect(memory.recent).toHaveLength(MAX_RECENT);
    expect(memory.recent[0]).toBe('/p24.db');
    expect(memory.recent.at(-1)).toBe('/p15.db');
    expect(rememberProject(memory, '/x.db', 2).recent).toEqual(['/x.db', '/p24.db']);
  });

  it('forgets one project (and the last project when it was that one) and clears the list', () => {
    const memory = { lastProject: '/a.db', recent: ['/a.db', '/b.db'] };
    expect(forgetProject(memory, '/b.db')).toEqual({ lastProject: '/a.db', recent: ['/a.db'] });
    expect(forgetProject(memory, '/a.db')).toEqual({ lastProject: null, recent: ['/b.db'] });
    expect(clearRecent(memory)).toEqual({ lastProject: '/a.db', recent: [] });
  });

  it('reads the older {"lastProject"} file as a one-entry list, and anything unusable as empty', () => {
    expect(parseMemory('{"lastProject":"/home/ana/lab.db"}')).toEqual({ lastProject: '/home/ana/lab.db', recent: ['/home/ana/lab.db'] });
    expect(parseMemory('{"lastProject":"/a.db","recent":["/a.db","/b.db",3,"relative.db","/b.db"]}')).toEqual({ lastProject: '/a.db', recent: ['/a.db', '/b.db'] });
    expect(parseMemory('not json')).toEqual(EMPTY_MEMORY);
    expect(parseMemory('null')).toEqual(EMPTY_MEMORY);
    expect(parseMemory('{"recent":"/a.db"}')).toEqual(EMPTY_MEMORY);
    const long = JSON.stringify({ lastProject: null, recent: Array.from({ length: 40 }, (_, i) => `/p${i}.db`) });
    expect(parseMemory(long).recent).toHaveLength(MAX_RECENT);
  });

  describe('on disk', () => {
    let dir: string;
    beforeEach(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'natlens-recent-'));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('writes the memory (creating the folder) and reads it back; a missing file is empty', () => {
      const file = path.join(dir, 'user', 'natlens-desktop.json');
      expect(readMemory(file)).toEqual(EMPTY_MEMORY);
      const memory = rememberProject(rememberProject(EMPTY_MEMORY, '/a.db'), '/b.db');
      writeMemory(file, memory);
      expect(readMemory(file)).toEqual(memory);
      expect(fs.readdirSync(path.dirname(file))).toEqual(['natlens-desktop.json']);
    });
  });
});

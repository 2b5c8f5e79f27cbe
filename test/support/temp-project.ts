/**
 * A throwaway project folder for tests: a fresh directory under the OS temp folder, the project database
 * path in it, stores opened on it, and one cleanup that closes those stores and deletes the folder.
 *
 *   const project = useTempProject('store');          // per test: beforeEach creates, afterEach cleans
 *   it('…', () => { const store = project().store(); … });
 *
 *   const p = tempProject('outcome');                  // by hand (beforeAll, a single test): p.cleanup()
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { Store } from '../../src/core/model/store';

export interface TempProject {
  /** The project folder (empty when made). */
  readonly dir: string;
  /** `<dir>/project.db`: the database `store()` opens and CLI tests pass as --db. */
  readonly dbPath: string;
  /** A path inside the folder. */
  file(...parts: string[]): string;
  /** Writes `text` to a file inside the folder (making its parent folders) and returns its path. */
  write(name: string, text: string | Uint8Array): string;
  /** The store on dbPath, opened once and closed by cleanup(); another database file when `name` is given. */
  store(name?: string): Store;
  /** Closes every store opened through this project and deletes the folder. Safe to call twice. */
  cleanup(): void;
}

export function tempProject(label: string): TempProject {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `natlens-${label}-`));
  const stores = new Map<string, Store>();
  const file = (...parts: string[]): string => path.join(dir, ...parts);
  return {
    dir,
    dbPath: file('project.db'),
    file,
    write(name, text) {
      const target = file(name);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, text);
      return target;
    },
    store(name = 'project.db') {
      let store = stores.get(name);
      if (store === undefined) {
        store = Store.open(file(name));
        stores.set(name, store);
      }
      return store;
    },
    cleanup() {
      for (const store of stores.values()) store.close();
      stores.clear();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A fresh project for each test of the enclosing file or describe (or one for all of them with `scope: 'all'`). */
export function useTempProject(label: string, scope: 'each' | 'all' = 'each'): () => TempProject {
  let current: TempProject | null = null;
  const [before, after] = scope === 'each' ? [beforeEach, afterEach] : [beforeAll, afterAll];
  before(() => {
    current = tempProject(label);
  });
  after(() => {
    current?.cleanup();
    current = null;
  });
  return () => {
    if (current === null) throw new Error(`temp project "${label}" used outside a test`);
    return current;
  };
}

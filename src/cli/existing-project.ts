import fs from 'node:fs';
import { ModelError } from '../core/model/model-error';
import { Store } from '../core/model/store';
import { SimulateError } from '../core/simulate';
import type { CliIo } from './cli-io';

/**
 * Read-side commands work on a project that exists: open it, run `use`, close it. A project that
 * cannot be opened, or a model or simulate error while reading it, is said on stderr and gives
 * `rejected` (exit 1); anything else is a bug and propagates.
 */
export function withExistingProject<T>(dbPath: string, io: CliIo, use: (store: Store) => T): { value: T } | 'rejected' {
  const store = openExisting(dbPath, io);
  if (store === 'rejected') return store;
  try {
    return { value: use(store) };
  } catch (e) {
    return rejectedBy(e, io);
  } finally {
    store.close();
  }
}

/** withExistingProject for work that awaits (streaming output at the reader's pace); the store closes when it settles. */
export async function withExistingProjectAsync<T>(dbPath: string, io: CliIo, use: (store: Store) => Promise<T>): Promise<{ value: T } | 'rejected'> {
  const store = openExisting(dbPath, io);
  if (store === 'rejected') return store;
  try {
    return { value: await use(store) };
  } catch (e) {
    return rejectedBy(e, io);
  } finally {
    store.close();
  }
}

function openExisting(dbPath: string, io: CliIo): Store | 'rejected' {
  let store: Store;
  try {
    store = Store.open(dbPath, { mustExist: true, access: 'read' });
  } catch (e) {
    if (!(e instanceof ModelError)) throw e;
    io.stderr(`natlens: ${e.message}${fs.existsSync(dbPath) ? '' : ' (run natlens import first)'}\n`);
    return 'rejected';
  }
  if (store.readOnly) io.stderr(`natlens: ${dbPath} is read-only here: read from a copy in memory; what this command derives (stitched flows) is not stored\n`);
  return store;
}

/** A model or simulate error is the project's, said on stderr; anything else is a bug and propagates. */
function rejectedBy(e: unknown, io: CliIo): 'rejected' {
  if (!(e instanceof ModelError || e instanceof SimulateError)) throw e;
  io.stderr(`natlens: ${e.message}\n`);
  return 'rejected';
}

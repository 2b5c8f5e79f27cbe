/**
 * What the bundled command line evaluates before a command runs: esbuild (bundling as scripts/build-cli.mjs does)
 * evaluates a module reached only through `import()` when that import runs, so what a command needs at start-up
 * is the static import closure of main.ts plus its own module's.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundleInputs } from '../../scripts/node-bundle.mjs';

const root = path.resolve(__dirname, '../..');

async function staticClosure(entry: string, withPackages = false): Promise<string[]> {
  const inputs = await bundleInputs(entry, root);
  const seen = new Set<string>();
  const stack = [entry];
  while (stack.length > 0) {
    const file = stack.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const i of inputs[file]?.imports ?? []) {
      if (i.kind === 'dynamic-import') continue;
      if (i.external !== true) stack.push(i.path);
      else if (withPackages) seen.add(i.path);
    }
  }
  return [...seen].sort();
}

describe('start-up of the command line', () => {
  it('evaluates no command module before the command named runs', async () => {
    const closure = await staticClosure('src/cli/main.ts');
    expect(closure.filter((f) => f.startsWith('src/cli/commands/'))).toEqual([]);
    expect(closure.filter((f) => f.startsWith('src/core/import/') && f !== 'src/core/import/dump-reader-location.ts')).toEqual([]);
  }, 60_000);

  it('an import evaluates none of the importer on the command line thread: the import worker does', async () => {
    const closure = await staticClosure('src/cli/commands/import-command.ts');
    // Only what starts a large dump's reader thread ahead of the import worker (dump-reader-start.ts).
    expect(closure.filter((f) => /^src\/core\/(import|model|capture)\//.test(f))).toEqual([
      'src/core/import/dump-reader-location.ts', 'src/core/import/dump-reader-start.ts',
    ]);
  }, 60_000);

  it('the import worker evaluates the archive packages only when it unpacks an archive', async () => {
    const closure = await staticClosure('src/server/import-worker.ts', true);
    expect(closure.filter((f) => /(^|node_modules\/)(tar|fflate)(\/|$)/.test(f))).toEqual([]);
    expect(closure).toContain('src/core/import/archive.ts');
  }, 60_000);

  it("better-sqlite3's JavaScript is in the bundles (loaded through the code cache), its addon search left out", async () => {
    const closure = await staticClosure('src/server/import-worker.ts', true);
    expect(closure.some((f) => f.endsWith('node_modules/better-sqlite3/lib/database.js'))).toBe(true);
    expect(closure).not.toContain('better-sqlite3');
  }, 60_000);

  it('a trace evaluates none of the import, report, flows or server code', async () => {
    const closure = await staticClosure('src/cli/commands/trace-command.ts');
    expect(closure.filter((f) => /^src\/(server|core\/(import|report|correlate|diagnose))\//.test(f))).toEqual([]);
  }, 60_000);
});

import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkImport, checkLayering, importSites, resolveImport, type ImportSite, type LayeringResult } from './import-scan';

const ROOT = path.resolve(__dirname, '../..');

describe('layering (test/architecture/layers.ts)', () => {
  let result: LayeringResult;
  beforeAll(() => {
    result = checkLayering(ROOT);
  });

  it('every import in src follows the layer table', () => {
    expect(result.files).toBeGreaterThan(300);
    const report = result.violations.map((v) => v.message);
    if (report.length > 0) console.error(`${report.length} forbidden import(s):\n${report.join('\n')}`);
    expect(report).toEqual([]);
  });

  it('lists no exception whose import is gone', () => {
    expect(result.staleExceptions).toEqual([]);
  });
});

describe('the import checker', () => {
  const fileExists = (files: string[]) => (p: string): boolean => files.includes(path.relative(ROOT, p));
  const check = (file: string, text: string, existing: string[]) =>
    importSites(file, text).map((site) => checkImport(site, resolveImport(ROOT, site, fileExists(existing)))?.message ?? null);

  it('reports a model file importing the simulator with its file, line and the two layers', () => {
    const text = "import type { Store } from './store';\nimport { tracePacket } from '../simulate/trace-packet';\n";
    expect(check('src/core/model/world.ts', text, ['src/core/model/store.ts', 'src/core/simulate/trace-packet.ts'])).toEqual([
      null,
      'src/core/model/world.ts:2 imports ../simulate/trace-packet (layer core/model may not import layer core/simulate)',
    ]);
  });

  it('sees type-only imports, re-exports, import() types and dynamic imports', () => {
    const text = [
      "export { x } from '../../core/model/store';",
      "type T = import('../../core/model/store').Store;",
      "const m = await import('node:fs');",
      "import type { Y } from '../../shared/backend/project';",
    ].join('\n');
    const files = ['src/core/model/store.ts', 'src/shared/backend/project.ts'];
    expect(check('src/renderer/view-model/x.ts', text, files)).toEqual([
      'src/renderer/view-model/x.ts:1 imports ../../core/model/store (layer renderer may not import layer core/model)',
      'src/renderer/view-model/x.ts:2 imports ../../core/model/store (layer renderer may not import layer core/model)',
      'src/renderer/view-model/x.ts:3 imports node:fs (layer renderer may not import package node)',
      'src/renderer/view-model/x.ts:4 imports ../../shared/backend/project (layer renderer may not import layer shared/backend)',
    ]);
  });

  it('keeps electron and react out of core, and lets a core test build its input with a parser', () => {
    const site = (file: string, specifier: string): ImportSite => ({ file, line: 1, specifier });
    expect(checkImport(site('src/core/report/x.ts', 'electron'), { kind: 'package', name: 'electron' })?.message)
      .toBe('src/core/report/x.ts:1 imports electron (layer core/report may not import package electron)');
    expect(checkImport(site('src/core/capture/x.ts', 'react'), { kind: 'package', name: 'react' })).not.toBeNull();
    expect(checkImport(site('src/core/simulate/x.test.ts', '../capture/ip-addr'), { kind: 'file', path: 'src/core/capture/ip-addr.ts' })).toBeNull();
    expect(checkImport(site('src/core/simulate/x.ts', '../capture/ip-addr'), { kind: 'file', path: 'src/core/capture/ip-addr.ts' })).not.toBeNull();
    expect(checkImport(site('src/core/simulate/x.test.ts', '../../cli/argv'), { kind: 'file', path: 'src/cli/argv.ts' })).not.toBeNull();
    // The build scripts: a test may bundle a worker with them, the code it tests may not.
    expect(checkImport(site('src/server/x.test.ts', '../../scripts/node-bundle.mjs'), { kind: 'file', path: 'scripts/node-bundle.mjs' })).toBeNull();
    expect(checkImport(site('src/server/x.ts', '../../scripts/node-bundle.mjs'), { kind: 'file', path: 'scripts/node-bundle.mjs' })?.message)
      .toBe('src/server/x.ts:1 imports ../../scripts/node-bundle.mjs (layer server may not import the build scripts (scripts/))');
  });

  it('reports an import it cannot resolve rather than letting it through', () => {
    expect(check('src/core/model/x.ts', "import './gone';", [])).toEqual(['src/core/model/x.ts:1 imports ./gone (cannot resolve it)']);
  });
});

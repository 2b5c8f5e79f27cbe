/** Hostile input: a document that warns on every one of 125,000 lines imports, listing 100 warnings and counting the rest. */
import { describe, expect, it } from 'vitest';
import { importPaths } from '../../src/core/import/import-paths';
import { WARNINGS_KEPT_PER_FILE } from '../../src/core/import/warning-cap';
import { summarizeImport } from '../../src/renderer/view-model/import-summary';
import { useTempProject } from '../support/temp-project';

const project = useTempProject('hostile-warnings');
const LOOSE = 125_000;

/** Markdown prose with a route line every five lines (each its own unread run: one warning each) and one real capture. */
function documentWithLooseRoutes(): string {
  const out = ['# notes', ''];
  for (let i = 0; i < LOOSE; i++) out.push(`note ${i}`, `10.${(i >> 8) & 255}.${i & 255}.0/24 dev eth0 proto kernel scope link src 10.0.0.5`, 'x', 'y', 'z');
  out.push('', '```', 'root@h1:~# ip route', 'default via 10.0.0.1 dev eth0', '```', '');
  return out.join('\n');
}

describe('a file with a warning on every data line', () => {
  it('imports its capture and reports the first 100 warnings and one counting the rest', () => {
    const p = project();
    const file = p.write('notes.md', documentWithLooseRoutes());
    const report = importPaths(p.store(), [file]);
    expect(report.errors).toEqual([]);
    expect(report.nodes.map((n) => n.captures.map((c) => c.kind))).toEqual([['ip-route']]);
    expect(report.warnings).toHaveLength(WARNINGS_KEPT_PER_FILE + 1);
    const omitted = LOOSE - WARNINGS_KEPT_PER_FILE;
    expect(report.warnings.at(-1)).toEqual({ source: file, message: `and ${omitted.toLocaleString('en-US')} more warnings like these about this file (only the first 100 are listed)` });
    expect(report.warningsOmitted).toBe(omitted);
    expect(report.files[0]).toMatchObject({ warnedDataLines: LOOSE, warningsOmitted: omitted });
    // The UI's headline counts every warning, not just the listed ones.
    const json = JSON.parse(JSON.stringify(report));
    expect(summarizeImport(json).headline).toContain(`${LOOSE} warnings`);
  });
});

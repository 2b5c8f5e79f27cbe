/** Hostile setting: a project this user may not write (file chmod 444, or a read-only folder) is still shown, traced, stitched and reported. */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { natlens } from '../real/natlens-cli';
import { useTempProject } from '../support/temp-project';

const project = useTempProject('hostile-read-only', 'all');
const bin = path.join(process.cwd(), 'bin', 'natlens');
const NOBODY = 65534;
const asRoot = process.getuid?.() === 0;

/** Runs the CLI as user nobody, who may read the project but not write it. */
function asNobody(args: readonly string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', uid: NOBODY, gid: NOBODY, maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe.skipIf(!asRoot)('a read-only project (needs root to run the CLI as another user)', () => {
  /** The lab's two nodes imported into `<dir>/<folder>/p.db`, then made read-only to nobody as `mode` says. */
  function readOnlyProject(folder: string, mode: 'file' | 'folder'): { db: string; out: string } {
    const p = project();
    fs.chmodSync(p.dir, 0o755);
    const dir = p.file(folder);
    fs.mkdirSync(dir);
    const db = path.join(dir, 'p.db');
    // --no-stitch: the read-only commands below stitch in memory, as they must for a project imported without it.
    expect(natlens(['import', '--no-stitch', '--db', db, path.join(process.cwd(), 'test/fixtures/lab/nodes')]).code).toBe(0);
    fs.chmodSync(db, 0o444);
    // 'file': nobody owns the folder (could make files there) but not the database; 'folder': root's folder, 0755.
    if (mode === 'file') fs.chownSync(dir, NOBODY, NOBODY);
    const out = p.file(`${folder}-out`);
    fs.mkdirSync(out, { mode: 0o777 });
    fs.chmodSync(out, 0o777);
    return { db, out };
  }

  for (const mode of ['file', 'folder'] as const) {
    it(`shows nodes, traces, stitches flows and writes a report when the ${mode} is read-only, storing nothing`, () => {
      const { db, out } = readOnlyProject(`ro-${mode}`, mode);
      const before = fs.readFileSync(db);
      const nodes = asNobody(['nodes', '--db', db, '--json']);
      expect(nodes.stderr).toContain('is read-only here');
      expect(nodes.code).toBe(0);
      expect((JSON.parse(nodes.stdout) as Array<{ name: string }>).map((n) => n.name)).toEqual(['nodea', 'nodeb']);
      const flows = asNobody(['flows', '--db', db, '--json']);
      expect(flows.code).toBe(0);
      expect((JSON.parse(flows.stdout) as unknown[]).length).toBeGreaterThan(0);
      const trace = asNobody(['trace', '--db', db, '--node', 'nodea', '--proto', 'icmp', '--local', '--dst', '127.0.0.1', '--json']);
      expect(trace.code).toBe(0);
      expect(JSON.parse(trace.stdout)).toMatchObject({ outcomes: [expect.objectContaining({ verdict: expect.any(String) })] });
      const report = path.join(out, 'report.md');
      const rep = asNobody(['report', '--db', db, '--out', report]);
      expect(rep.code).toBe(0);
      expect(fs.readFileSync(report, 'utf8')).toContain('nodea');
      expect(fs.readFileSync(db).equals(before)).toBe(true);
      expect(fs.readdirSync(path.dirname(db))).toEqual(['p.db']);
    });
  }

  it('refuses an import into it, saying it is read-only', () => {
    const { db } = readOnlyProject('ro-import', 'folder');
    const run = asNobody(['import', '--db', db, '--json', path.join(process.cwd(), 'test/fixtures/text/ip-addr.txt')]);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout).errors).toEqual([{ source: db, message: expect.stringContaining('the project is read-only here') }]);
  });
});

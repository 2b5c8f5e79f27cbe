/** Hostile input: terminal escape sequences in node names, chain names and comments are shown as text on the terminal and in Markdown; JSON keeps them exact. */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { visibleControls } from '../../src/core/common/visible-controls';
import { natlens } from '../real/natlens-cli';
import { useTempProject } from '../support/temp-project';

const project = useTempProject('hostile-controls', 'all');
const NODE = 'node\x1b]0;pwned\x07\x1b[2J';
// A capture's colour and title sequences are stripped as a terminal's output; a DCS string, an 8-bit CSI, a
// backspace and a bidi override stay.
const CHAIN = 'EVIL\x9b2J\x08';
const COMMENT = 'hi\x1bPq#0\x1b\\red\u202eevil';
const DUMP = [
  '*filter', ':INPUT ACCEPT [0:0]', ':FORWARD ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]', `:${CHAIN} - [0:0]`,
  `-A INPUT -p tcp -m comment --comment "${COMMENT}" -j ${CHAIN}`, 'COMMIT', '',
].join('\n');
/** Any C0 control but newline, DEL, a C1 control or a bidi override: what must not reach a terminal raw. */
const RAW = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;

function imported(): { db: string; file: string } {
  const p = project();
  const db = p.dbPath;
  const file = p.file('rules.save');
  if (!fs.existsSync(db)) {
    p.write('rules.save', DUMP);
    expect(natlens(['import', '--db', db, '--node', NODE, '--json', file]).code).toBe(0);
  }
  return { db, file };
}

describe('control characters in captured names', () => {
  it('shows them as \\x1b in every human output of the command line, and nothing raw', () => {
    const { db, file } = imported();
    const runs = [
      natlens(['import', '--db', db, '--node', NODE, file]),
      natlens(['nodes', '--db', db]),
      natlens(['trace', '--db', db, '--node', NODE, '--proto', 'tcp', '--src', '10.0.0.1', '--dst', '10.0.0.2:80', '--in', 'eth0']),
      natlens(['trace', '--db', db, '--node', 'no\x1b[2Jsuch', '--proto', 'tcp', '--src', '10.0.0.1', '--dst', '10.0.0.2:80', '--in', 'eth0']),
    ];
    for (const run of runs) {
      expect(run.stdout + run.stderr).not.toMatch(RAW);
    }
    expect(runs[1]!.stdout).toContain('node\\x1b]0;pwned\\x07\\x1b[2J');
    expect(runs[2]!.stdout).toContain('--comment "hi\\x1bPq#0\\x1b\\red\\u202eevil" -j EVIL\\x9b2J\\x08');
    expect(runs[3]!.stderr).toContain('no\\x1b[2Jsuch');
  });

  it('keeps them exact in JSON', () => {
    const { db } = imported();
    const nodes = JSON.parse(natlens(['nodes', '--db', db, '--json']).stdout) as Array<{ name: string }>;
    expect(nodes.map((n) => n.name)).toEqual([NODE]);
    const trace = JSON.parse(natlens(['trace', '--db', db, '--node', NODE, '--proto', 'tcp', '--src', '10.0.0.1', '--dst', '10.0.0.2:80', '--in', 'eth0', '--json']).stdout) as {
      outcomes: Array<{ steps: Array<{ rule: string | null }> }>;
    };
    expect(trace.outcomes.flatMap((o) => o.steps.map((s) => s.rule))).toContain(`-A INPUT -p tcp -m comment --comment "${COMMENT}" -j ${CHAIN}`);
  });

  it('shows them as text in a Markdown report', () => {
    const { db } = imported();
    const out = project().file('report.md');
    expect(natlens(['report', '--db', db, '--out', out]).code).toBe(0);
    const md = fs.readFileSync(out, 'utf8');
    expect(md).not.toMatch(RAW);
    // Markdown's own escapes: `\\x1b` shows as \x1b, `\]` as ].
    expect(md).toContain('Node node\\\\x1b\\]0;pwned\\\\x07');
  });

  it('writes each hidden character as its code', () => {
    expect(visibleControls('a\x1bb\x07c\rd\x7fe\x9bf\u202eg\th\ni')).toBe('a\\x1bb\\x07c\\x0dd\\x7fe\\x9bf\\u202eg\th\ni');
  });
});

/** Hostile input: a folder of symlinks back to itself and its parent is walked once, each loop a warning. */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { walkInputs } from '../../src/core/import/input-walk';
import { useTempProject } from '../support/temp-project';

const project = useTempProject('hostile-symlink');
const IP_ADDR = fs.readFileSync(path.join(process.cwd(), 'test/fixtures/text/ip-addr.txt'), 'utf8');

describe('symlink loops in an imported folder', () => {
  it('follows a link to a folder once and reports each link back up the tree as a loop', () => {
    const p = project();
    p.write('cluster/n1/ip-addr.txt', IP_ADDR);
    const n1 = p.file('cluster/n1');
    fs.symlinkSync('.', path.join(n1, 'self'));
    fs.symlinkSync('..', path.join(n1, 'up'));
    fs.symlinkSync('../n1', path.join(n1, 'again'));
    fs.symlinkSync('ping', path.join(n1, 'pong'));
    fs.symlinkSync('pong', path.join(n1, 'ping'));
    const walk = walkInputs([p.file('cluster')]);
    walk.dispose();
    expect(walk.files.map((f) => f.path)).toEqual([path.join(n1, 'ip-addr.txt')]);
    expect(walk.errors).toEqual([]);
    expect(walk.warnings.map((w) => w.source).sort()).toEqual(['again', 'ping', 'pong', 'self', 'up'].map((l) => path.join(n1, l)));
    for (const w of walk.warnings) expect(w.message).toMatch(/symlink loop.*; not followed/);
  });

  it('reads a folder two links lead to once, and says the second link was not read again', () => {
    const p = project();
    p.write('shared/ip-addr.txt', IP_ADDR);
    fs.mkdirSync(p.file('node-a'));
    fs.symlinkSync(p.file('shared'), p.file('node-a', 'one'));
    fs.symlinkSync(p.file('shared'), p.file('node-a', 'two'));
    const walk = walkInputs([p.file('node-a')]);
    walk.dispose();
    expect(walk.files.map((f) => f.path)).toEqual([p.file('node-a', 'one', 'ip-addr.txt')]);
    expect(walk.warnings).toEqual([{ source: p.file('node-a', 'two'), message: `the same folder as ${p.file('node-a', 'one')}, already read; not read again` }]);
  });
});

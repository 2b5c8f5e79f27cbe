/**
 * The project's JavaScript scripts (benchmarks, build, start) are not type-checked and most are run by
 * hand: each must at least parse, so that `npm run bench` and `npm start` do not fail on a typo.
 */
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const SCRIPTS = path.join(__dirname, '..', 'scripts');

function scriptsIn(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return scriptsIn(full);
    return /\.m?js$/.test(e.name) ? [full] : [];
  });
}

describe('scripts', () => {
  const scripts = scriptsIn(SCRIPTS);

  it('are found', () => {
    expect(scripts.map((s) => path.relative(SCRIPTS, s))).toContain(path.join('bench', 'run.mjs'));
  });

  it.each(scripts.map((s) => [path.relative(SCRIPTS, s), s]))('%s parses', (_name, file) => {
    const check = spawnSync(process.execPath, ['--check', file], { encoding: 'utf8' });
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
  });
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bindingProblemText, checkElectronBinding, ELECTRON_BINDING_RELATIVE } from './native-sqlite';

describe('Electron SQLite binding check', () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'natlens-binding-'));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('reports a missing build with the command that makes it', () => {
    const check = checkElectronBinding(root);
    expect(check).toEqual({ kind: 'missing', path: path.join(root, ELECTRON_BINDING_RELATIVE) });
    if (check.kind === 'ok') throw new Error('unreachable');
    const text = bindingProblemText(check, '45.4.1');
    expect(text).toContain('npm run rebuild:electron');
    expect(text).toContain('./bin/natlens serve');
  });

  it('reports a file that is not a loadable addon, with the loader message', () => {
    fs.mkdirSync(path.dirname(path.join(root, ELECTRON_BINDING_RELATIVE)), { recursive: true });
    fs.writeFileSync(path.join(root, ELECTRON_BINDING_RELATIVE), 'not an ELF file');
    const check = checkElectronBinding(root);
    expect(check.kind).toBe('unloadable');
    if (check.kind !== 'unloadable') throw new Error('unreachable');
    expect(bindingProblemText(check, '45.4.1')).toContain('does not load');
  });
});

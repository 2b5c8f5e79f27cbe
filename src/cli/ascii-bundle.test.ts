/**
 * The CLI's bundles are ASCII (scripts/node-bundle.mjs asciiOnly): V8 then keeps the source as a one-byte string,
 * not decoded from UTF-8 into a two-byte one at every start. The escapes must mean what the characters meant.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { asciiOnly, bundleForNode } from '../../scripts/node-bundle.mjs';

const SOURCE = [
  "const dots = /^(?:\\.{2,}|…)$/;",
  "const prompt = /^[$#%❯➜] /u;",
  "const face = /^😀+$/u;",
  "const faceClass = /^[😀]$/u;",
  "const text = 'a → b';",
  '// a comment → with arrows',
  "module.exports = [dots.test('…'), dots.test('..'), prompt.test('❯ ls'), prompt.test('> ls'), face.test('😀😀'), faceClass.test('😀'), text];",
].join('\n');

function evaluate(source: string): unknown {
  const module = { exports: {} as unknown };
  vm.runInThisContext(`(function (module) {\n${source}\n})`)(module);
  return module.exports;
}

describe('ASCII bundles', () => {
  it('writes every non-ASCII character as an escape that means the same in regular expressions, strings and comments', () => {
    const ascii = asciiOnly(SOURCE);
    expect(/[^\x00-\x7f]/.test(ascii)).toBe(false);
    expect(evaluate(ascii)).toEqual(evaluate(SOURCE));
    expect(evaluate(ascii)).toEqual([true, true, true, false, true, true, 'a → b']);
  });

  it('refuses a non-ASCII character after a backslash rather than change what it means', () => {
    expect(() => asciiOnly('const r = /\\…/;')).toThrow(/after a backslash at offset 11/);
  });

  it('bundles a module with such characters into ASCII that runs the same', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'natlens-ascii-'));
    try {
      const entry = path.join(dir, 'entry.ts');
      fs.writeFileSync(entry, SOURCE.replace('module.exports =', 'export const results ='));
      const out = path.join(dir, 'entry.bundle.cjs');
      await bundleForNode(entry, out);
      const bundled = fs.readFileSync(out, 'utf8');
      expect(/[^\x00-\x7f]/.test(bundled)).toBe(false);
      expect((evaluate(bundled) as { results: unknown }).results).toEqual([true, true, true, false, true, true, 'a → b']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

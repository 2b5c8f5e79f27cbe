import { describe, expect, it } from 'vitest';
import { parseServeArgs, runServe, ServeUsageError } from './serve-command';

describe('natlens serve arguments', () => {
  it('defaults to ./natlens.db on any free port', () => {
    expect(parseServeArgs([])).toEqual({ dbPath: 'natlens.db', port: 0 });
  });

  it('reads --db and --port, also in --flag=value form', () => {
    expect(parseServeArgs(['--db', 'p.db', '--port=8080'])).toEqual({ dbPath: 'p.db', port: 8080 });
  });

  it('refuses a bad port, a missing value and unknown arguments', () => {
    expect(() => parseServeArgs(['--port', '70000'])).toThrow(ServeUsageError);
    expect(() => parseServeArgs(['--port', '-1'])).toThrow(ServeUsageError);
    expect(() => parseServeArgs(['--db'])).toThrow(/--db needs a value/);
    expect(() => parseServeArgs(['--host', '0.0.0.0'])).toThrow(/unknown argument/);
  });

  it('exits 2 with the usage on stderr and nothing on stdout for a usage error', async () => {
    const out: string[] = [];
    const err: string[] = [];
    expect(await runServe(['--bogus'], { stdout: (t) => out.push(t), stderr: (t) => err.push(t) })).toBe(2);
    expect(out).toEqual([]);
    expect(err.join('')).toContain('usage: natlens serve');
  });
});

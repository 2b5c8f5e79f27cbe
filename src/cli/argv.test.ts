import { describe, expect, it } from 'vitest';
import { listOption, parseArgv, stringOption } from './argv';
import { UsageError } from './command';

describe('parseArgv', () => {
  it('keeps every value of a repeatable option in order, and refuses an empty one', () => {
    const spec = { out: { type: 'string' as const }, trace: { type: 'string' as const, multiple: true } };
    const args = parseArgv(['--out', 'r.md', '--trace', 'a', '--trace=b'], spec, false);
    expect(listOption(args, 'trace')).toEqual(['a', 'b']);
    expect(stringOption(args, 'out')).toBe('r.md');
    expect(listOption(parseArgv(['--out', 'r.md'], spec, false), 'trace')).toEqual([]);
    expect(() => parseArgv(['--trace='], spec, false)).toThrow(new UsageError('--trace needs a value'));
  });
});

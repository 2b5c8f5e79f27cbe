import { describe, it, expect } from 'vitest';
import { isCollectManifest, parseCollectManifest } from './collect-manifest';

const HEAD = 'natlens-collect\t1\nhost\tnode-a\nkernel\t6.1.0\ntime\t2026-03-01T10:00:00Z\n';

describe('parseCollectManifest', () => {
  it('reads the host facts and every command row, columns found by their header name', () => {
    const m = parseCollectManifest('m.tsv', `${HEAD}extra\twith\ttabs\nstatus\tfile\texit\tstarted\tversion\tnetns\tcommand\tnew-column\n`
      + `ok\tip/addr.txt\t0\t2026-03-01T10:00:01.123Z\tip utility\t-\tip -d addr\tx\n`
      + `missing\t-\t127\t2026-03-01T10:00:02Z\t-\tblue\tnft list ruleset\tx\n`);
    expect(m).toMatchObject({ version: 1, host: 'node-a', kernel: '6.1.0', time: '2026-03-01T10:00:00Z' });
    expect(m.meta.get('extra')).toBe('with\ttabs');
    expect(m.commands).toEqual([
      { file: 'ip/addr.txt', status: 'ok', exit: 0, started: '2026-03-01T10:00:01.123Z', version: 'ip utility', netns: null, command: 'ip -d addr', line: 7 },
      { file: null, status: 'missing', exit: 127, started: '2026-03-01T10:00:02Z', version: null, netns: 'blue', command: 'nft list ruleset', line: 8 },
    ]);
  });

  it('recognises a manifest by its first line only', () => {
    expect(isCollectManifest(HEAD)).toBe(true);
    expect(isCollectManifest('file\tstatus\n')).toBe(false);
  });

  it.each([
    ['not a manifest', 'hello\n', 'm.tsv:1: not a natlens collector manifest'],
    ['a version that is not a number', 'natlens-collect\tv2\n', 'm.tsv:1: manifest version "v2"'],
    ['no command table', HEAD, 'm.tsv:4: no command table'],
    ['a missing column', `${HEAD}file\tstatus\texit\tstarted\tversion\tcommand\n`, 'm.tsv:5: the command table has no "netns" column'],
    ['a short row', `${HEAD}file\tstatus\texit\tstarted\tversion\tnetns\tcommand\nip/a.txt\tok\t0\n`, 'm.tsv:6: a command row has 3 columns, the header 7'],
    ['a local time', `${HEAD}file\tstatus\texit\tstarted\tversion\tnetns\tcommand\nip/a.txt\tok\t0\t2026-03-01 10:00\t-\t-\tip a\n`, 'm.tsv:6: start time "2026-03-01 10:00" is not a UTC time'],
    ['an exit code that is not a number', `${HEAD}file\tstatus\texit\tstarted\tversion\tnetns\tcommand\nip/a.txt\tok\tx\t2026-03-01T10:00:00Z\t-\t-\tip a\n`, 'm.tsv:6: exit code "x" is not a number'],
  ])('refuses %s, naming the line', (_what, text, message) => {
    expect(() => parseCollectManifest('m.tsv', text)).toThrow(message);
  });
});

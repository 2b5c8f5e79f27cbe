import { describe, expect, it } from 'vitest';
import { dataLinesOf } from '../capture/transcript/data-shape';
import { accountLines } from './line-account';

const TEXT = [
  'root@n1:~# ip route', //  1
  'default via 10.0.0.1 dev eth0', //  2 read
  'root@n1:~# ip -6 neigh', //  3
  'fe80::1 dev eth0 lladdr 52:54:00:12:34:56 router REACHABLE', //  4 kept
  'root@n1:~# ls', //  5
  'rules.v4', //  6 kept, no data
  'Some prose.', //  7
  '-A INPUT -j ACCEPT', //  8 loose
  '', //  9
  '-A INPUT -j DROP', // 10 loose, same run
  'more prose', // 11
  'x', // 12
  'y', // 13
  'z', // 14
  '10.0.0.0/24 dev eth0 scope link', // 15 loose, a run of its own
].join('\n');

describe('accountLines', () => {
  it('counts data lines read, warns once per unread block holding data and once per run of loose data lines', () => {
    const { data, lineCount } = dataLinesOf(TEXT);
    const { account, warnings } = accountLines('t.txt', lineCount, data, [{ first: 2, last: 2 }], [
      { first: 4, last: 4, command: 'ip -6 neigh', reason: 'output of `ip -6 neigh` is not a capture natlens reads', warned: false },
      { first: 6, last: 6, command: 'ls', reason: 'output of `ls` is not a capture natlens reads', warned: false },
    ]);
    expect(account).toEqual({
      file: 't.txt', lines: 15, dataLines: 5, readDataLines: 1, warnedDataLines: 4,
      kept: [
        { source: 't.txt:4', lines: [4, 4], command: 'ip -6 neigh', reason: 'output of `ip -6 neigh` is not a capture natlens reads' },
        { source: 't.txt:6', lines: [6, 6], command: 'ls', reason: 'output of `ls` is not a capture natlens reads' },
      ],
    });
    expect(warnings).toEqual([
      { source: 't.txt:4', lines: [4, 4], message: '1 line that looks like addresses not read: output of `ip -6 neigh` is not a capture natlens reads' },
      { source: 't.txt:8', lines: [8, 10], message: '2 lines that look like rules not read: not part of any command output or code block natlens reads' },
      { source: 't.txt:15', lines: [15, 15], message: '1 line that looks like routes not read: not part of any command output or code block natlens reads' },
    ]);
    expect(account.readDataLines + account.warnedDataLines).toBe(account.dataLines);
  });

  it('counts a block already warned about without warning again', () => {
    const { data, lineCount } = dataLinesOf(TEXT);
    const { account, warnings } = accountLines('t.txt', lineCount, data, [{ first: 1, last: 15 }], [
      { first: 8, last: 10, command: null, reason: 'iptables-save not read: bad', warned: true },
    ]);
    expect(account.readDataLines).toBe(5);
    expect(account.warnedDataLines).toBe(0);
    expect(warnings).toEqual([]);
    const failed = accountLines('t.txt', lineCount, data, [], [{ first: 8, last: 10, command: null, reason: 'iptables-save not read: bad', warned: true }]);
    expect(failed.account.warnedDataLines).toBe(5);
    expect(failed.warnings.map((w) => w.lines)).toEqual([[2, 4], [15, 15]]);
  });
});

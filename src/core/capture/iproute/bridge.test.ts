import { describe, it, expect } from 'vitest';
import { CaptureError } from '../capture-error';
import { looksLikeBridge, parseBridge } from './bridge';
import { textFixture, transcriptSlice, withCrlf } from '../../../../test/fixtures/text/fixture-input';
import { describeShared } from '../../../../test/support/describe-shared';

describe('parseBridge', () => {
  it('reads tab-separated brctl show from a namespace (fixture)', () => {
    const got = parseBridge(textFixture('brctl-show.txt'));
    expect(got.ports).toEqual([
      { bridge: 'br0', port: 'ra', state: null, line: 2 },
      { bridge: 'br0', port: 'ra2', state: null, line: 3 },
    ]);
  });

  it('reads bridge link with master and port state (fixture)', () => {
    const got = parseBridge(textFixture('bridge-link.txt'));
    expect(got.ports).toEqual([
      { bridge: 'br0', port: 'ra', state: 'forwarding', line: 1 },
      { bridge: 'br0', port: 'ra2', state: 'forwarding', line: 2 },
    ]);
  });

  it('reads bridge link lines with a peer index', () => {
    const got = parseBridge({ file: 'b', text: '5: veth1@if4: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 master cbr0 state forwarding priority 32 cost 2\n', firstLine: 3 });
    expect(got.ports).toEqual([{ bridge: 'cbr0', port: 'veth1', state: 'forwarding', line: 3 }]);
  });

  it('parses CRLF input the same as LF', () => {
    const input = textFixture('brctl-show.txt');
    expect(parseBridge(withCrlf(input))).toEqual(parseBridge(input));
  });

  it('reports malformed rows with file and line, and output without any bridge', () => {
    const header = 'bridge name\tbridge id\t\tSTP enabled\tinterfaces\n';
    expect(() => parseBridge({ file: 'b', text: `${header}br0\tnot-an-id\tno\teth0\n`, firstLine: 1 })).toThrow('b:2: not a brctl show row');
    expect(() => parseBridge({ file: 'b', text: 'hello\n', firstLine: 4 })).toThrow('b:4: not bridge output');
    expect(() => parseBridge({ file: 'b', text: header, firstLine: 1 })).toThrow(CaptureError);
  });

  it('sniffs brctl show and bridge link, not ip link', () => {
    expect(looksLikeBridge(textFixture('brctl-show.txt').text)).toBe(true);
    expect(looksLikeBridge(textFixture('bridge-link.txt').text)).toBe(true);
    expect(looksLikeBridge(textFixture('ip-d-link.txt').text)).toBe(false);
  });
});

describeShared('transcripts', 'parseBridge (shared transcripts)', () => {
  it('reads brctl show with continuation lines and an empty bridge (flannel node)', () => {
    const got = parseBridge(transcriptSlice('004_21b806302248d7be.txt', 206, 215));
    expect(got.kind).toBe('bridge');
    expect(got.ports.map((p) => p.port)).toEqual([
      'veth0fb8bcdf', 'veth1c1c704b', 'veth20b9845d', 'veth25b6c887', 'veth2663b8b2', 'vethaa94d3a3', 'vethcf6ed286', 'vethfdf0fe3b',
    ]);
    expect(got.ports.every((p) => p.bridge === 'cni0' && p.state === null)).toBe(true);
    expect(got.ports[0]?.line).toBe(207);
    expect(got.ports[7]?.line).toBe(214);
  });
});

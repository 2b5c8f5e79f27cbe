import { describe, expect, it } from 'vitest';
import { importPaths } from '../import/import-paths';
import { useTempProject } from '../../../test/support/temp-project';
import { nodeSysctls } from './node-sysctl';

const project = useTempProject('node-sysctl');

describe("a node's kernel settings from its sysctl captures", () => {
  it('takes each key from the newest capture that shows it: a greped fragment adds and overrides only its own keys', () => {
    const p = project();
    const store = p.store();
    const whole = p.write('a/sysctl-a.txt', 'net.ipv4.ip_forward = 1\nnet.ipv4.conf.all.rp_filter = 1\nnet.bridge.bridge-nf-call-iptables = 1\n');
    const fragment = p.write('b/forward.txt', 'root@node-a:~# sysctl net.ipv4.ip_forward\nnet.ipv4.ip_forward = 0\n');
    expect(importPaths(store, [whole], { node: 'node-a' }).errors).toEqual([]);
    expect(importPaths(store, [fragment], { node: 'node-a' }).errors).toEqual([]);
    const node = store.listNodes().find((n) => n.name === 'node-a')!;
    const settings = nodeSysctls(store, node.id)!;
    expect(settings.get('net.ipv4.ip_forward')).toEqual({ value: '0', source: `${fragment}:2` });
    expect(settings.get('net.ipv4.conf.all.rp_filter')).toEqual({ value: '1', source: `${whole}:2` });
    expect(settings.get('net.bridge.bridge-nf-call-iptables')).toEqual({ value: '1', source: `${whole}:3` });
  });

  it('keeps a key the kernel does not have as absent (null), and is null for a node without sysctl captures', () => {
    const p = project();
    const store = p.store();
    const missing = p.write('a/brnf.txt', 'sysctl: cannot stat /proc/sys/net/bridge/bridge-nf-call-iptables: No such file or directory\n');
    const report = importPaths(store, [missing], { node: 'node-a' });
    expect(report.warnings).toContainEqual({ source: `${missing}:1`, message: expect.stringMatching(/^sysctl: .*br_netfilter is not loaded/) });
    const addr = p.write('b/addr.txt', '1: lo: <LOOPBACK,UP> mtu 65536 state UNKNOWN\n    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n    inet 127.0.0.1/8 scope host lo\n');
    importPaths(store, [addr], { node: 'node-b' });
    const ids = new Map(store.listNodes().map((n) => [n.name, n.id]));
    expect(nodeSysctls(store, ids.get('node-a')!)!.get('net.bridge.bridge-nf-call-iptables')).toEqual({ value: null, source: `${missing}:1` });
    expect(nodeSysctls(store, ids.get('node-b')!)).toBeNull();
  });
});

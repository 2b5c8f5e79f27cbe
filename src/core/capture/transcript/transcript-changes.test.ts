/** The state-changing commands a transcript notes on the next capture of the same part of the node's state. */
import { describe, expect, it } from 'vitest';
import { splitTextCapture } from '../registry';

const split = (text: string) => splitTextCapture({ file: 't.txt', text, firstLine: 1 }).units;

const LIST = 'Chain INPUT (policy ACCEPT)\ntarget     prot opt source               destination\nACCEPT     all  --  10.0.0.0/8           0.0.0.0/0';
const ROUTE = 'default via 10.0.0.1 dev eth0\n10.0.0.0/24 dev eth0 proto kernel scope link src 10.0.0.5';

describe('state changes in a transcript', () => {
  it('notes a rule change on the next ruleset capture of the same node only', () => {
    const units = split(
      [
        'root@a:~# iptables -L -n', LIST,
        'root@b:~# iptables -A INPUT -j DROP',
        'root@a:~# ip route', ROUTE,
        'root@a:~# iptables -L -n', LIST,
        'root@b:~# iptables -L -n', LIST,
        'root@b:~# iptables -L -n', LIST,
        'root@b:~# ',
      ].join('\n'),
    );
    expect(units.map((u) => [u.node, u.kind, (u.changedBy ?? []).map((n) => `${n.changes} ${n.command} ${n.source}`)])).toEqual([
      ['a', 'iptables-list', []],
      ['a', 'ip-route', []],
      ['a', 'iptables-list', []],
      ['b', 'iptables-list', ['rules iptables -A INPUT -j DROP t.txt:5']],
      ['b', 'iptables-list', []],
    ]);
  });

  it('keeps a rule change for the next ruleset capture, past captures of other parts', () => {
    const units = split(['$ iptables -L -n', LIST, '$ kubectl apply -f svc.yaml', 'service/web created', '$ ip route', ROUTE, '$ iptables -L -n', LIST, '$ '].join('\n'));
    expect(units.map((u) => [u.kind, (u.changedBy ?? []).map((n) => n.command)])).toEqual([
      ['iptables-list', []],
      ['ip-route', []],
      ['iptables-list', ['kubectl apply -f svc.yaml']],
    ]);
  });
});

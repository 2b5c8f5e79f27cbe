import { describe, it, expect } from 'vitest';
import { parseIptablesSave } from './iptables-save';
import { RecordPool } from './record-pool';

describe('RecordPool', () => {
  it('hands out one record per distinct value and a new one for a different value', () => {
    const pool = new RecordPool();
    expect(pool.jump('KUBE-MARK-MASQ')).toBe(pool.jump('KUBE-MARK-MASQ'));
    expect(pool.jump('KUBE-MARK-MASQ')).not.toBe(pool.jump('KUBE-SERVICES'));
    expect(pool.protocol('tcp', false)).toEqual({ kind: 'protocol', proto: 'tcp', negated: false });
    expect(pool.protocol('tcp', true)).toEqual({ kind: 'protocol', proto: 'tcp', negated: true });
    expect(pool.comment('a/b:c')).toBe(pool.comment('a/b:c'));
    expect(pool.randomStatistic('0.5', 0.5, true)).not.toBe(pool.randomStatistic('0.5', 0.5, false));
  });

  it('lets the rules of one dump share equal jump, protocol and comment records', () => {
    const text = [
      '*nat', ':KUBE-SEP-A - [0:0]', ':KUBE-MARK-MASQ - [0:0]',
      '-A KUBE-SEP-A -s 10.0.0.1/32 -p tcp -m comment --comment "ns/svc:http" -j KUBE-MARK-MASQ',
      '-A KUBE-SEP-A -s 10.0.0.2/32 -p tcp -m comment --comment "ns/svc:http" -j KUBE-MARK-MASQ',
      'COMMIT', '',
    ].join('\n');
    const [a, b] = parseIptablesSave({ file: 't', text, firstLine: 1 }).ruleset.tables[0]!.chains[0]!.rules;
    expect(a!.target).toBe(b!.target);
    expect(a!.matches[1]).toBe(b!.matches[1]);
    expect(a!.matches[2]).toBe(b!.matches[2]);
    expect(a!.matches[0]).not.toEqual(b!.matches[0]);
  });
});

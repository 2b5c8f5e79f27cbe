/** A trace over a stored project reads the chains its path and its questions need, with the result of a trace over the whole dump. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { useTempProject } from '../../../test/support/temp-project';
import { parseIptablesSave } from '../capture/iptables/iptables-save';
import { importPaths } from '../import/import-paths';
import { StoredTableRules } from '../model/rows/rule-chunks';
import { tracePacket, type TraceRequest } from '../simulate';
import { loadWorld } from './node-world';
import { traceProject } from './project-trace';

const project = useTempProject('project-trace');

afterEach(() => {
  vi.restoreAllMocks();
});

/** kube-proxy-like: `services` KUBE-SVC chains (more than the lazy reader reads one by one), a NodePort, and one SNAT rule. */
function dump(services: number): string {
  const names = Array.from({ length: services }, (_, i) => `KUBE-SVC-${String(i).padStart(4, '0')}`);
  return [
    '*nat',
    ':PREROUTING ACCEPT [0:0]',
    ':INPUT ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    ':POSTROUTING ACCEPT [0:0]',
    ':KUBE-SERVICES - [0:0]',
    ':KUBE-NODEPORTS - [0:0]',
    ...names.map((n) => `:${n} - [0:0]`),
    '-A PREROUTING -j KUBE-SERVICES',
    '-A POSTROUTING -s 10.244.0.0/16 -o eth0 -j SNAT --to-source 198.51.100.7',
    ...names.map((n, i) => `-A KUBE-SERVICES -d 10.96.${i >> 8}.${i & 255}/32 -p tcp -m tcp --dport 80 -j ${n}`),
    '-A KUBE-SERVICES -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS',
    '-A KUBE-NODEPORTS -p tcp -m tcp --dport 30080 -j DNAT --to-destination 10.244.1.4:8080',
    ...names.map((n, i) => `-A ${n} -j DNAT --to-destination 10.244.${i >> 8}.${i & 255}:8080`),
    'COMMIT',
    '',
  ].join('\n');
}

describe('traceProject', () => {
  it('infers the SNAT address as local from the SNAT chains alone, with the outcomes of a trace over the parsed dump', () => {
    const p = project();
    const store = p.store();
    const text = dump(200);
    // The dump alone: which addresses are the node's own is a question the SNAT rule answers.
    const file = p.write('n1/iptables-save.txt', text);
    expect(importPaths(store, [file], { node: 'n1' }).errors).toEqual([]);
    const request: TraceRequest = { node: 'n1', proto: 'tcp', follow: false, src: '172.16.0.9', in: 'eth0', dst: '198.51.100.7', dport: 30080 };

    const chainReads = vi.spyOn(StoredTableRules.prototype, 'rulesOf');
    const tableReads = vi.spyOn(StoredTableRules.prototype, 'all');
    const world = loadWorld(store);
    const stored = traceProject(store, request, { snapshot: null, world });
    expect(tableReads).not.toHaveBeenCalled();
    expect(chainReads.mock.calls.map((c) => c[1]).filter((name) => name.startsWith('KUBE-SVC-'))).toEqual([]);

    const parsed = parseIptablesSave({ file, text, firstLine: 1 }).ruleset;
    const whole = tracePacket([{ ...world[0]!, ruleset: parsed }], request);
    expect(stored).toEqual(whole);
    expect(stored.outcomes[0]?.assumptions).toContainEqual(expect.objectContaining({
      assumed: 'inferred: 198.51.100.7 is an address of n1, since POSTROUTING SNATs to it',
      rule: '-A POSTROUTING -s 10.244.0.0/16 -o eth0 -j SNAT --to-source 198.51.100.7',
    }));
  });

  it('reads from their text only the rules of a long chain before the one the packet takes', () => {
    const p = project();
    const store = p.store();
    const text = dump(200);
    const file = p.write('n1/iptables-save.txt', text);
    expect(importPaths(store, [file], { node: 'n1' }).errors).toEqual([]);
    const request: TraceRequest = { node: 'n1', proto: 'tcp', follow: false, src: '172.16.0.9', in: 'eth0', dst: '10.96.0.2', dport: 80 };
    const world = loadWorld(store);
    const stored = traceProject(store, request, { snapshot: null, world });
    expect(stored).toEqual(tracePacket([{ ...world[0]!, ruleset: parseIptablesSave({ file, text, firstLine: 1 }).ruleset }], request));
    const services = world[0]!.ruleset!.tables.find((t) => t.name === 'nat')!.chains.find((c) => c.name === 'KUBE-SERVICES')!;
    // A stored rule's matches are an accessor until something reads them (rows/rule-chunks.ts).
    const parsed = services.rules.filter((r) => Object.getOwnPropertyDescriptor(r, 'matches')?.get === undefined).map((r) => r.position);
    expect(parsed).toEqual([1, 2, 3]);
  });
});

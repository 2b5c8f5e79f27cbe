import { describe, expect, it } from 'vitest';
import { deflateRawSync } from 'node:zlib';
import { importPaths } from '../import/import-paths';
import { useTempProject } from '../../../test/support/temp-project';
import { stitchFlows } from './flows-stitch';
import { listFlows } from './flows';

const project = useTempProject('flow-engine');

const PACKETS = [
  '1795473825.667900 IP 10.0.0.9.40000 > 10.96.0.10.53: Flags [S], seq 1, win 64240, length 0',
  '1795473825.668900 IP 10.96.0.10.53 > 10.0.0.9.40000: Flags [S.], seq 2, ack 2, win 64240, length 0',
  '',
].join('\n');

const RULES = [
  '*nat',
  ':PREROUTING ACCEPT [0:0]',
  ':POSTROUTING ACCEPT [0:0]',
  '-A PREROUTING -d 10.96.0.10/32 -p tcp -m tcp --dport 53 -j DNAT --to-destination 10.40.0.5:53',
  'COMMIT',
  '',
].join('\n');

describe('stitching when the nodes\' state cannot be loaded', () => {
  it('stitches the packets and says, with the cause, that no NAT link was inferred', () => {
    project().write('nodea/eth0.tcpdump.txt', PACKETS);
    project().write('nodea/iptables-save.txt', RULES);
    const store = project().store();
    expect(importPaths(store, [project().file('nodea')]).errors).toEqual([]);
    // A stored rule the replay cannot read back (its chunk inflates, its matches JSON does not parse): loading the world fails.
    const damaged = deflateRawSync(Buffer.from('4\t\tj{not json\t\t-A PREROUTING -d 10.96.0.10/32 -j DNAT', 'utf8'));
    expect(store.db.prepare('UPDATE rule_chunks SET body = ?').run(damaged).changes).toBe(1);

    const summary = stitchFlows(store);
    expect(summary.recomputed).toBe(true);
    expect(summary.warnings).toHaveLength(1);
    expect(summary.warnings[0]).toMatch(/^no NAT links were inferred from the nodes' rules: their state could not be loaded \(.*the stored rule of line 4 is damaged \(.*JSON/);
    expect(listFlows(store).length).toBeGreaterThan(0);
  });

  it('says so too when a rule chunk does not inflate at all', () => {
    project().write('nodec/eth0.tcpdump.txt', PACKETS);
    project().write('nodec/iptables-save.txt', RULES);
    const store = project().store();
    expect(importPaths(store, [project().file('nodec')]).errors).toEqual([]);
    expect(store.db.prepare('UPDATE rule_chunks SET body = ?').run(Buffer.from('not deflate')).changes).toBe(1);

    const summary = stitchFlows(store);
    expect(summary.warnings).toEqual([expect.stringMatching(/^no NAT links were inferred from the nodes' rules: their state could not be loaded \(.*rule chunk \d+ does not inflate/)]);
    expect(listFlows(store).length).toBeGreaterThan(0);
  });

  it('has no warning when the state loads', () => {
    project().write('nodeb/eth0.tcpdump.txt', PACKETS);
    project().write('nodeb/iptables-save.txt', RULES);
    const store = project().store();
    expect(importPaths(store, [project().file('nodeb')]).errors).toEqual([]);
    expect(stitchFlows(store).warnings).toEqual([]);
  });
});

/**
 * The kernel lab's folder as committed (nodes/<node>/, transcripts/, README, scenario.json) imported whole: nodes/
 * holds only folders, so it groups the nodes (folder-node.ts); transcripts/ holds files, so it is a node by the
 * folder rule, but every transcript's prompt names its node, which wins over the folder.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { importPaths } from './import-paths';
import { useTempProject } from '../../../test/support/temp-project';

const LAB = path.join('test', 'fixtures', 'lab');
const project = useTempProject('folder-import-lab');

describe('importing test/fixtures/lab', () => {
  it('makes the nodes nodea and nodeb, each with its own folder\'s captures and pcaps', () => {
    const report = importPaths(project().store(), [LAB]);
    expect(report.errors).toEqual([]);
    expect(report.nodes.map((n) => n.name).sort()).toEqual(['nodea', 'nodeb']);
    for (const node of report.nodes) {
      const folders = new Set(node.captures.filter((c) => !c.source.includes(`${path.sep}transcripts${path.sep}`)).map((c) => path.dirname(c.source.replace(/:\d+$/, ''))));
      expect([...folders]).toEqual([path.join(LAB, 'nodes', node.name)]);
      expect(node.captures.filter((c) => c.kind === 'pcap').map((c) => path.basename(c.source)).sort()).toEqual(['any.pcap', 'cbr0.pcap', 'eth0.pcap']);
    }
    expect(report.warnings.filter((w) => /of node /.test(w.message) && !/already imported/.test(w.message))).toEqual([]);
  });

  it('says in files which node each file went to', () => {
    const report = importPaths(project().store(), [LAB]);
    const nodeOf = new Map(report.files.map((f) => [f.file, f.nodes]));
    expect(nodeOf.get(path.join(LAB, 'nodes', 'nodea', 'eth0.pcap'))).toEqual(['nodea']);
    expect(nodeOf.get(path.join(LAB, 'nodes', 'nodeb', 'iptables-save.txt'))).toEqual(['nodeb']);
    expect(nodeOf.get(path.join(LAB, 'transcripts', 'nodeb.txt'))).toEqual(['nodeb']);
    expect(nodeOf.get(path.join(LAB, 'scenario.json'))).toEqual([]);
  });

  it('makes the same nodes from nodes/ or from one node\'s folder named on the command line', () => {
    const fromNodes = importPaths(project().store(), [path.join(LAB, 'nodes')]);
    expect(fromNodes.nodes.map((n) => n.name).sort()).toEqual(['nodea', 'nodeb']);
    const fromNodeA = importPaths(project().store(), [path.join(LAB, 'nodes', 'nodea')]);
    expect(fromNodeA.nodes.map((n) => n.name)).toEqual(['nodea']);
  });

  it('imports a grouping-named folder that holds captures as a node named after it (case/before/), beside grouped node folders', () => {
    const copy = (from: string, to: string): string => project().write(to, fs.readFileSync(path.join(LAB, from)));
    for (const f of ['eth0.pcap', 'ip-addr.txt', 'iptables-save.txt']) copy(path.join('nodes', 'nodea', f), path.join('case', 'nodes', 'nodea', f));
    copy(path.join('nodes', 'nodeb', 'iptables-save.txt'), path.join('case', 'before', 'iptables-save.txt'));
    const report = importPaths(project().store(), [project().file('case')]);
    expect(report.errors).toEqual([]);
    expect(report.nodes.map((n) => [n.name, n.captures.map((c) => c.kind).sort()]).sort()).toEqual([
      ['before', ['iptables-save']],
      ['nodea', ['ip-addr', 'iptables-save', 'pcap']],
    ]);
  });
});

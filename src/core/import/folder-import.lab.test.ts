/** The kernel lab's folder as committed (nodes/<node>/, transcripts/, README, scenario.json) imported whole. */
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
});

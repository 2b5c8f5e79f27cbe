/** The folder rule over the layouts engineers use: which node each file found by walking a folder goes to. */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { zipSync, strToU8 } from 'fflate';
import { walkInputs, type WalkResult } from './input-walk';
import { useTempProject } from '../../../test/support/temp-project';

const project = useTempProject('input-walk');

/** Writes each path (relative to the temp folder) with a line of text. */
function layout(...files: string[]): void {
  for (const f of files) project().write(f, 'x\n');
}

function walk(...named: string[]): WalkResult {
  const result = walkInputs(named.map((n) => project().file(n)));
  result.dispose();
  expect(result.errors).toEqual([]);
  return result;
}

/** Each file (relative to the temp folder, `/`-separated) → its node. */
function nodesOf(result: WalkResult): Record<string, string | null> {
  return Object.fromEntries(result.files.map((f) => [path.relative(project().dir, f.path).split(path.sep).join('/'), f.folderNode]));
}

describe('a folder of node folders', () => {
  it('<dir>/<node>/...: each sub-folder is a node, files directly in <dir> go to <dir>', () => {
    layout('lab/nodea/ip-addr.txt', 'lab/nodeb/ip-addr.txt', 'lab/notes.md');
    expect(nodesOf(walk('lab'))).toEqual({ 'lab/nodea/ip-addr.txt': 'nodea', 'lab/nodeb/ip-addr.txt': 'nodeb', 'lab/notes.md': 'lab' });
  });

  it('<dir>/nodes/<node>/...: nodes/, holding only folders, groups the node folders; a transcripts/ folder holding files is a node, as the contract says', () => {
    layout('lab/nodes/nodea/eth0.pcap', 'lab/nodes/nodea/ip-route.txt', 'lab/nodes/nodeb/eth0.pcap', 'lab/transcripts/nodea.txt', 'lab/README.md');
    expect(nodesOf(walk('lab'))).toEqual({
      'lab/README.md': 'lab',
      'lab/nodes/nodea/eth0.pcap': 'nodea',
      'lab/nodes/nodea/ip-route.txt': 'nodea',
      'lab/nodes/nodeb/eth0.pcap': 'nodeb',
      'lab/transcripts/nodea.txt': 'transcripts',
    });
  });

  it('<dir>/text/, <dir>/before/: a sub-folder with a grouping name that holds files is one node named after it', () => {
    layout('lab/text/iptables.save', 'lab/before/iptables.save', 'lab/nodes/nodea/eth0.pcap', 'lab/nodea/pcaps/eth0.pcap');
    expect(nodesOf(walk('lab'))).toEqual({
      'lab/before/iptables.save': 'before',
      'lab/nodea/pcaps/eth0.pcap': 'nodea',
      'lab/nodes/nodea/eth0.pcap': 'nodea',
      'lab/text/iptables.save': 'text',
    });
  });

  it('a grouping folder\'s hidden files do not make it a node; any other file does, and the nested-nodes warning then names it', () => {
    layout('a/nodes/.DS_Store', 'a/nodes/nodea/eth0.pcap', 'a/nodes/nodeb/eth0.pcap');
    expect(nodesOf(walk('a'))).toEqual({ 'a/nodes/nodea/eth0.pcap': 'nodea', 'a/nodes/nodeb/eth0.pcap': 'nodeb' });
    layout('b/nodes/README.md', 'b/nodes/nodea/eth0.pcap', 'b/nodes/nodeb/eth0.pcap');
    const result = walk('b');
    expect(new Set(Object.values(nodesOf(result)))).toEqual(new Set(['nodes']));
    expect(result.nodeGuesses.map((g) => g.source)).toEqual([project().file('b', 'nodes')]);
  });

  it('a link to a file is a file of the folder it is in', () => {
    layout('real/iptables.save', 'lab/nodes/nodea/eth0.pcap');
    fs.symlinkSync(project().file('real', 'iptables.save'), project().file('lab', 'nodes', 'iptables.save'));
    expect(nodesOf(walk('lab'))).toEqual({ 'lab/nodes/iptables.save': 'nodes', 'lab/nodes/nodea/eth0.pcap': 'nodes' });
  });

  it('<date>/<node>/...: a dated folder holding only node folders groups them', () => {
    layout('runs/2024-01-05/nodea/eth0.pcap', 'runs/2024-01-05/nodeb/eth0.pcap', 'runs/20240106/nodes/nodea/eth0.pcap');
    expect(nodesOf(walk('runs'))).toEqual({
      'runs/2024-01-05/nodea/eth0.pcap': 'nodea', 'runs/2024-01-05/nodeb/eth0.pcap': 'nodeb', 'runs/20240106/nodes/nodea/eth0.pcap': 'nodea',
    });
  });

  it('<case>/captures/<node>/...: named as the case folder or as captures/, the node folders are the nodes', () => {
    layout('case-123/captures/worker-1/iptables-save.txt', 'case-123/captures/worker-2/iptables-save.txt', 'case-123/notes.md');
    const expected = { 'case-123/captures/worker-1/iptables-save.txt': 'worker-1', 'case-123/captures/worker-2/iptables-save.txt': 'worker-2' };
    expect(nodesOf(walk('case-123'))).toEqual({ ...expected, 'case-123/notes.md': 'case-123' });
    expect(nodesOf(walk('case-123/captures'))).toEqual(expected);
  });

  it('<node>/pcaps/, <node>/text/: below a node folder nothing changes; named itself, the node folder\'s sub-folders are the nodes, as the contract says', () => {
    layout('cap/node-1/pcaps/eth0.pcap', 'cap/node-1/text/ip-addr.txt', 'cap/node-2/pcaps/eth0.pcap');
    const result = walk('cap');
    expect(nodesOf(result)).toEqual({ 'cap/node-1/pcaps/eth0.pcap': 'node-1', 'cap/node-1/text/ip-addr.txt': 'node-1', 'cap/node-2/pcaps/eth0.pcap': 'node-2' });
    expect(result.nodeGuesses).toEqual([]);
    expect(nodesOf(walk('cap/node-1'))).toEqual({ 'cap/node-1/pcaps/eth0.pcap': 'pcaps', 'cap/node-1/text/ip-addr.txt': 'text' });
  });

  it('dated sub-folders holding files are nodes named after them, as the contract says; a folder named by an address or a number is a node', () => {
    layout('n1/2024-01-05/eth0.pcap', 'n1/2024-01-06/eth0.pcap', 'fleet/10.0.0.5/ip-addr.txt', 'fleet/nodes/2/ip-addr.txt');
    const result = walk('n1', 'fleet');
    expect(nodesOf(result)).toEqual({
      'n1/2024-01-05/eth0.pcap': '2024-01-05', 'n1/2024-01-06/eth0.pcap': '2024-01-06', 'fleet/10.0.0.5/ip-addr.txt': '10.0.0.5', 'fleet/nodes/2/ip-addr.txt': '2',
    });
    expect(result.nodeGuesses).toEqual([]);
  });

  it('a node\'s non-grouping sub-folders stay that node\'s', () => {
    layout('cluster/node-b/deeper/routes', 'cluster/node-b/iptables-dumps/save.txt');
    expect(nodesOf(walk('cluster'))).toEqual({ 'cluster/node-b/deeper/routes': 'node-b', 'cluster/node-b/iptables-dumps/save.txt': 'node-b' });
  });
});

describe('a guess the walk warns about', () => {
  it('names the folder to import when a node folder\'s sub-folders hold files of the same name (nodes one level deeper)', () => {
    layout('faults/healthy/nodes/nodea/eth0.pcap', 'faults/healthy/nodes/nodeb/eth0.pcap', 'faults/healthy/nodes/nodeb/conntrack.txt', 'faults/drop/nodea/ip-addr.txt');
    const result = walk('faults');
    expect(new Set(Object.values(nodesOf(result)))).toEqual(new Set(['healthy', 'drop']));
    const healthy = project().file('faults', 'healthy');
    expect(result.warnings).toEqual([]);
    expect(result.nodeGuesses).toEqual([
      { source: healthy, message: `all its files go to node healthy, yet nodea, nodeb below it hold files of the same name (eth0.pcap): if those are nodes of their own, import ${healthy} itself` },
    ]);
    // Named as the warning says, the nodes come out right.
    const again = walk('faults/healthy');
    expect(new Set(Object.values(nodesOf(again)))).toEqual(new Set(['nodea', 'nodeb']));
    expect(again.nodeGuesses).toEqual([]);
  });

  it('says nothing when a node\'s sub-folders hold different files', () => {
    layout('cap/node-1/tcpdump-raw/eth0.pcap', 'cap/node-1/cmd-output/ip-addr.txt');
    expect(walk('cap').nodeGuesses).toEqual([]);
  });

  it('says nothing when the sub-folders holding files of the same name have grouping names (before/, after/)', () => {
    layout('lab/nodea/before/iptables.save', 'lab/nodea/after/iptables.save', 'lab/nodea/2024-01-05/eth0.pcap', 'lab/nodea/2024-01-06/eth0.pcap');
    const result = walk('lab');
    expect(new Set(Object.values(nodesOf(result)))).toEqual(new Set(['nodea']));
    expect(result.nodeGuesses).toEqual([]);
  });
});

describe('archives and collector bundles in a folder', () => {
  const zip = (rel: string, files: Record<string, string>): void => {
    project().write(rel, zipSync(Object.fromEntries(Object.entries(files).map(([k, v]) => [k, strToU8(v)]))));
  };

  it('archives beside each other read as the folders they unpack to: one node each', () => {
    zip('case/nodea.zip', { 'ip-addr.txt': 'x\n', 'pcaps/eth0.pcap': 'x\n' });
    zip('case/nodeb.zip', { 'nodeb/ip-addr.txt': 'x\n' });
    zip('case/bundle.zip', { 'captures/nodec/ip-addr.txt': 'x\n', 'captures/noded/ip-addr.txt': 'x\n' });
    const found = walk('case').files.map((f) => [f.path.slice(project().dir.length + 1), f.folderNode]);
    expect(found).toEqual([
      [path.join('case', 'bundle.zip!/captures/nodec/ip-addr.txt'), 'nodec'],
      [path.join('case', 'bundle.zip!/captures/noded/ip-addr.txt'), 'noded'],
      [path.join('case', 'nodea.zip!/ip-addr.txt'), 'nodea'],
      [path.join('case', 'nodea.zip!/pcaps/eth0.pcap'), 'nodea'],
      [path.join('case', 'nodeb.zip!/nodeb/ip-addr.txt'), 'nodeb'],
    ]);
  });

  it('an archive that is one node\'s folder yet holds files of the same name in sub-folders is warned about, naming the archive to import', () => {
    zip('case/prod.zip', { 'prod/node-a/ip-addr.txt': 'x\n', 'prod/node-b/ip-addr.txt': 'x\n' });
    const result = walk('case');
    expect(result.files.map((f) => f.folderNode)).toEqual(['prod', 'prod']);
    const archive = project().file('case', 'prod.zip');
    expect(result.nodeGuesses).toEqual([
      { source: archive, message: `all its files go to node prod, yet node-a, node-b below it hold files of the same name (ip-addr.txt): if those are nodes of their own, import ${archive} itself` },
    ]);
    const named = walk('case/prod.zip');
    expect(named.files.map((f) => f.folderNode)).toEqual(['node-a', 'node-b']);
    expect(named.nodeGuesses).toEqual([]);
  });

  it('inside an archive, a grouping folder is one only when it holds no files of its own', () => {
    zip('lab.zip', {
      'lab/text/iptables.save': 'x\n', 'lab/nodes/nodea/eth0.pcap': 'x\n', 'lab/nodes/.keep': '', 'lab/nodea/pcaps/eth0.pcap': 'x\n', 'lab/before/iptables.save': 'x\n',
    });
    expect(walk('lab.zip').files.map((f) => [f.path.split('!/')[1], f.folderNode])).toEqual([
      ['lab/before/iptables.save', 'before'],
      ['lab/nodea/pcaps/eth0.pcap', 'nodea'],
      ['lab/nodes/nodea/eth0.pcap', 'nodea'],
      ['lab/text/iptables.save', 'text'],
    ]);
    zip('run.zip', { 'run/2024-01-05/iptables.save': 'x\n', 'run/2024-01-06/nodea/iptables.save': 'x\n' });
    expect(walk('run.zip').files.map((f) => f.folderNode)).toEqual(['2024-01-05', 'nodea']);
  });

  it('names the grouping-named folder a node was named after, in a folder and inside an archive, for the import to warn about', () => {
    layout('g/nodea/pcaps/eth0.pcap', 'g/text/a.txt');
    zip('g/text.zip', { 'a.txt': 'x\n' });
    zip('plain.zip', { 'a.txt': 'x\n', 'dumps/b.txt': 'x\n' });
    zip('lab.zip', { 'lab/nodes/nodeb/a.txt': 'x\n', 'lab/pcaps/a.txt': 'x\n' });
    const guesses = walk('g', 'lab.zip', 'plain.zip').files.map((f) => [f.path.slice(project().dir.length + 1), f.folderNode, f.guessedFrom?.slice(project().dir.length + 1)]);
    expect(guesses).toEqual([
      [path.join('g', 'nodea', 'pcaps', 'eth0.pcap'), 'nodea', undefined],
      [path.join('g', 'text', 'a.txt'), 'text', path.join('g', 'text')],
      [path.join('g', 'text.zip!/a.txt'), 'text', path.join('g', 'text.zip')],
      ['lab.zip!/lab/nodes/nodeb/a.txt', 'nodeb', undefined],
      ['lab.zip!/lab/pcaps/a.txt', 'pcaps', 'lab.zip!/lab/pcaps'],
      ['plain.zip!/a.txt', 'plain', undefined],
      ['plain.zip!/dumps/b.txt', 'dumps', 'plain.zip!/dumps'],
    ]);
  });

  it('unpacked collector tarballs beside each other are one node each, named by their manifests', () => {
    const manifest = (host: string): string =>
      ['natlens-collect\t1', `host\t${host}`, 'time\t2026-03-01T10:00:00Z', 'file\tstatus\texit\tstarted\tversion\tnetns\tcommand', 'ip/addr.txt\tok\t0\t2026-03-01T10:00:01Z\t-\t-\tip -d addr', ''].join('\n');
    for (const host of ['worker-1', 'worker-2']) {
      project().write(`collected/natlens-collect-${host}-20260301T100000Z/manifest.tsv`, manifest(host));
      project().write(`collected/natlens-collect-${host}-20260301T100000Z/ip/addr.txt`, 'x\n');
    }
    expect(walk('collected').files.map((f) => f.folderNode)).toEqual(['worker-1', 'worker-2']);
  });
});

describe('files named directly', () => {
  it('have no folder node, or the one the caller gives', () => {
    layout('a/ip-addr.txt');
    expect(walkInputs([project().file('a/ip-addr.txt')]).files[0]!.folderNode).toBeNull();
    expect(walkInputs([project().file('a/ip-addr.txt')], null, 'picked').files[0]!.folderNode).toBe('picked');
  });
});

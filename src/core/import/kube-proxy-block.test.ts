/** What an import stores of kube-proxy's services: one block per capture, kubectl's as rows. */
import { describe, it, expect } from 'vitest';
import path from 'node:path';
import type { Store } from '../model/store';
import fs from 'node:fs';
import { importPaths } from './import-paths';
import { readDumpFile } from './dump-file-read';
import { kubeProxyIndexBlock, kubeProxyServiceBlock } from './kube-proxy-records';
import { parseIptablesSave } from '../capture/iptables/iptables-save';
import { KubeProxyIndex, kubeProxyServices } from '../netfilter/kube-proxy';
import { replayRuleset } from '../netfilter/ruleset-sink';
import { describeShared } from '../../../test/support/describe-shared';
import { sharedDir } from '../../../test/support/shared-corpus';
import { decodeEndpoints, decodeServices } from '../model/service-block';
import { writeKubeProxyDump } from '../../../scripts/bench/kube-proxy-dump.mjs';
import { useTempProject } from '../../../test/support/temp-project';

const project = useTempProject('kube-proxy-block');
const store = (): Store => project().store();
const rows = (table: string): number => store().db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
const blocks = (): unknown[] => store().db.prepare('SELECT capture_id, origin, services, endpoints FROM service_blocks ORDER BY capture_id').raw(true).all();

describe('kube-proxy services on import', () => {
  it('are one block per iptables capture (iptables-save and iptables -L), no service, port or endpoint rows', () => {
    const report = importPaths(store(), [path.join('test', 'fixtures', 'lab', 'nodes')]);
    expect(report.errors).toEqual([]);
    const ids = report.nodes.flatMap((n) => n.captures.filter((c) => c.kind === 'iptables-save' || c.kind === 'iptables-list').map((c) => c.id));
    expect(ids).toHaveLength(4);
    expect(blocks()).toEqual(ids.sort((a, b) => a - b).map((id) => [id, 'kube-proxy', 1, 2]));
    expect([rows('services'), rows('service_ports'), rows('endpoints')]).toEqual([0, 0, 0]);
    expect([store().count('services'), store().count('endpoints')]).toEqual([4, 8]);
  });

  it('store nothing for a ruleset without kube-proxy chains', () => {
    const file = project().write('plain.save', '*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n');
    expect(importPaths(store(), [file]).errors).toEqual([]);
    expect(blocks()).toEqual([]);
  });

  it('leave kubectl\'s services and endpoints as rows', () => {
    const report = importPaths(store(), [path.join('test', 'fixtures', 'kubectl', 'get-all-wide.txt')]);
    expect(report.errors).toEqual([]);
    expect(blocks()).toEqual([]);
    expect(rows('services')).toBeGreaterThan(0);
  });
});

describe('the service block a dump reader hands over', () => {
  /** The block the text path stores for the same file: kube-proxy's services of the parsed ruleset, encoded. */
  const fromText = (file: string): ReturnType<typeof kubeProxyServiceBlock> =>
    kubeProxyServiceBlock(kubeProxyServices(parseIptablesSave({ file, text: fs.readFileSync(file, 'utf8'), firstLine: 1 }).ruleset));
  /** The text path's ruleset replayed into an index, its block written from the columns (kubeProxyIndexBlock). */
  const fromIndex = (file: string): ReturnType<typeof kubeProxyServiceBlock> => {
    const index = new KubeProxyIndex();
    replayRuleset(parseIptablesSave({ file, text: fs.readFileSync(file, 'utf8'), firstLine: 1 }).ruleset.tables.filter((t) => t.name === 'nat'), index);
    return kubeProxyIndexBlock(index);
  };
  const streamed = (file: string): ReturnType<typeof kubeProxyServiceBlock> => {
    const read = readDumpFile(file, file, () => undefined);
    if (read.kind !== 'dump') throw new Error(`${file} was not read as a plain dump: ${read.kind}`);
    return read.serviceBlock;
  };

  it('is, byte for byte, the block of the services the text path reads, for every kube-proxy fixture and a generated dump', () => {
    const root = path.join('test', 'fixtures', 'kube-proxy');
    const files = fs.readdirSync(root).map((d) => path.join(root, d, 'ruleset.iptables-save')).filter((f) => fs.existsSync(f));
    files.push(path.join('test', 'fixtures', 'lab', 'nodes', 'nodea', 'iptables-save.txt'));
    const generated = project().file('generated.save');
    writeKubeProxyDump(generated, 40, 3);
    files.push(generated);
    expect(files.length).toBeGreaterThanOrEqual(6);
    for (const file of files) {
      const block = streamed(file);
      expect(block, file).not.toBeNull();
      expect(block, file).toEqual(fromText(file));
    }
    const block = streamed(generated)!;
    expect([block.services, block.endpoints]).toEqual([40, 120]);
    expect(decodeServices(block.serviceTape, block.services, 'kube-proxy')).toHaveLength(40);
    expect(new Set(decodeEndpoints(block.endpointTape, block.endpoints, 'kube-proxy').map((e) => e.name)).size).toBe(40);
  });

  it('is, byte for byte, the same block whether written from the index\'s columns or from its services, for a generated dump of 300 services', () => {
    const generated = project().file('generated-300.save');
    writeKubeProxyDump(generated, 300, 5);
    const block = streamed(generated)!;
    expect(block).toEqual(fromText(generated));
    expect(block).toEqual(fromIndex(generated));
    expect([block.services, block.endpoints]).toEqual([300, 1500]);
  });

  it('is null for a dump without kube-proxy chains', () => {
    const file = project().write('plain-streamed.save', '*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n');
    expect(streamed(file)).toBeNull();
  });
});

describeShared('kube-proxy-conformance', 'the service block of the kube-proxy conformance dumps', () => {
  it('is the same bytes read from the dump\'s bytes, from its text, and from the index\'s columns', () => {
    const root = sharedDir('kube-proxy-conformance');
    const dumps = fs.readdirSync(root).map((d) => path.join(root, d, 'ruleset.iptables-save')).filter((f) => fs.existsSync(f));
    expect(dumps.length).toBeGreaterThanOrEqual(30);
    let withServices = 0;
    let streamedDumps = 0;
    for (const file of dumps) {
      const text = parseIptablesSave({ file, text: fs.readFileSync(file, 'utf8'), firstLine: 1 }).ruleset;
      const fromServices = kubeProxyServiceBlock(kubeProxyServices(text));
      const index = new KubeProxyIndex();
      replayRuleset(text.tables.filter((t) => t.name === 'nat'), index);
      expect(kubeProxyIndexBlock(index), file).toEqual(fromServices);
      const read = readDumpFile(file, file, () => undefined);
      if (read.kind === 'dump') {
        expect(read.serviceBlock, file).toEqual(fromServices);
        streamedDumps++;
      }
      if (fromServices !== null) withServices++;
    }
    expect(withServices).toBeGreaterThanOrEqual(10);
    expect(streamedDumps).toBeGreaterThan(dumps.length / 2);
  });
});

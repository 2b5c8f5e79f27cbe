/**
 * The corpus captures the fragment-hygiene work made readable, imported end to end with the built CLI:
 * elisions and stray messages skipped with a warning (never a rejection), wrapped -L rows, old kubectl
 * layouts, tshark summaries, and `ip route get` / a lone address kept out of the route table.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { natlens, type ImportJson } from './natlens-cli';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'natlens-hygiene-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const REAL = 'test/fixtures/real';

function importJson(rel: string): ImportJson {
  const db = path.join(dir, `${rel.replace(/\W/g, '_')}.db`);
  const run = natlens(['import', '--db', db, '--json', `${REAL}/${rel}`]);
  return JSON.parse(run.stdout) as ImportJson;
}

/** [fixture, captures as kind:records, the lines warned about] */
const CASES: Array<[string, string[], number[]]> = [
  ['kubernetes-issues/57558-iptables-save-calico.txt', ['iptables-save:7'], [36]],
  ['moby-issues/49518-iptables-save-nft-ipset.txt', ['iptables-save:14'], [31]],
  ['flannel-issues/1313-iptables-save.txt', ['iptables-save:10'], [35]],
  ['kubernetes-issues/91216-conntrack-L.txt', ['conntrack:5'], [1, 7]],
  ['moby-issues/26391-nat-nvL-sudo-warning.md', ['iptables-list:6'], [3, 21]],
  ['openshift-cookbook-issues/187-iptables-L-wrapped.txt', ['iptables-list:3'], [8]],
  ['kubernetes-issues/20652-kubectl-get-svc-ep.md', ['kubectl:2', 'kubectl:9'], []],
  ['external-dns-issues/2027-ksniff-tshark.txt', ['tcpdump-text:10'], [1, 12]],
];

describe('fragment hygiene on the real corpus', () => {
  it.each(CASES)('%s imports with every capture read and each skipped line named', (rel, captures, warned) => {
    const got = importJson(rel);
    expect(got.errors).toEqual([]);
    // Cluster-wide kubectl output is the cluster's, not a node's.
    const all = [...got.nodes.flatMap((n) => n.captures), ...(got.cluster ?? [])];
    expect(all.map((c) => `${c.kind}:${c.records}`)).toEqual(captures);
    const lines = got.warnings.map((w) => Number(/:(\d+)$/.exec(w.source ?? '')?.[1])).filter((l) => !Number.isNaN(l));
    for (const line of warned) expect(lines).toContain(line);
  });

  it('kubeadm 836: the ifconfig excerpt is read, its elision named', () => {
    const got = importJson('kubeadm-issues/836-ifconfig-net-tools.md');
    expect(got.errors).toEqual([]);
    expect(got.nodes.flatMap((n) => n.captures.map((c) => c.kind))).toEqual(['ip-addr']);
    expect(got.warnings.some((w) => w.source?.endsWith(':27') && w.message.includes('left-out output'))).toBe(true);
  });

  it('aws-trunk: the ip route get result is not a route of the node, and is named', () => {
    const got = importJson('vcontainer-docs/aws-trunk.md');
    expect(got.warnings).toContainEqual(expect.objectContaining({
      source: `${REAL}/vcontainer-docs/aws-trunk.md:230`,
      message: "a route lookup result (`ip route get`), not the route table: kept as text (the kernel's answer for 172.31.2.37: dev eth0 src 172.31.0.225)",
    }));
    expect(got.nodes.flatMap((n) => n.captures).some((c) => c.source.endsWith(':230'))).toBe(false);
  });

  it('lyft: the address printed by ip addr | grep | awk is not read as a route', () => {
    const got = importJson('lyft-issues/metadataproxy-29-session.md');
    expect(got.nodes.flatMap((n) => n.captures).filter((c) => c.kind === 'ip-route')).toEqual([]);
  });
});

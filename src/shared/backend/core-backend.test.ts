import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiError } from '../contract/api-error';
import { coreStoreOpener } from './core-backend';
import { findings, flowDetail, flowDivergence, listCaptures, listFlows, listRules, rulesetTimeline, setCaptureInterface, topology, topologyNodes, topologySummary, trace } from './handlers';
import { Project } from './project';
import { Store } from '../../core/model/store';
import { describeShared } from '../../../test/support/describe-shared';
import { sharedFile } from '../../../test/support/shared-corpus';

const labNodes = path.resolve(process.cwd(), 'test/fixtures/lab/nodes');

describe('trace and topology handlers over core', () => {
  let dir: string;
  let project: Project;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'natlens-backend-'));
    project = new Project(path.join(dir, 'p.db'), coreStoreOpener());
  });
  afterEach(() => {
    project.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const request = { node: 'nodea', proto: 'tcp' as const, src: '10.40.1.3', sport: 40001, dst: '10.96.0.10', dport: 80, in: 'cbr0', local: false, follow: false };

  it('stitches the flows as part of the import (progress phase stitch); listing flows afterwards only reads', async () => {
    const phases = new Set<string>();
    await project.write((store) => store.importPaths([labNodes], {}, (p) => phases.add(p.phase)));
    expect([...phases]).toEqual(['import', 'stitch']);
    const stitchedAt = (): unknown => {
      const store = Store.open(path.join(dir, 'p.db'));
      try {
        return store.db.prepare('SELECT generation, stitched_at FROM flow_generation').all();
      } finally {
        store.close();
      }
    };
    const before = stitchedAt();
    expect(before).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 5));
    expect(listFlows(project, { offset: 0, limit: 10 }).total).toBeGreaterThan(0);
    expect(stitchedAt()).toEqual(before);
  });

  it('replays the lab ClusterIP packet into two 50% branches naming the service', async () => {
    await project.write((store) => store.importPaths([labNodes], {}, () => {}));
    const result = trace(project, request);
    expect(result.input).toEqual({ node: 'nodea', proto: 'tcp', src: '10.40.1.3', sport: 40001, dst: '10.96.0.10', dport: 80, in: 'cbr0', local: false });
    expect(result.outcomes.map((o) => o.probability)).toEqual([0.5, 0.5]);
    expect(result.outcomes.every((o) => o.service?.id === 'default/hello:http')).toBe(true);
    expect(result.outcomes.map((o) => o.packet.dst).sort()).toEqual(['10.40.1.2', '10.40.2.2']);
  });

  it("answers a node's ruleset timeline from core (lab captures), and not-found for an unknown node", async () => {
    await project.write((store) => store.importPaths([labNodes], {}, () => {}));
    const timeline = rulesetTimeline(project, { node: 'nodea' });
    // The nat listing and the iptables-save show one state: one snapshot, which the save completes.
    expect(timeline.snapshots.map((s) => path.basename(s.source))).toEqual(['iptables-nat-list.txt:1']);
    expect(() => rulesetTimeline(project, { node: 'nodez' })).toThrow(new ApiError('not-found', 'no node "nodez" in this project'));
  });

  it("pages a node's rules from core, filtered, and maps unknown nodes, captures and unreadable addresses to API errors", async () => {
    expect(() => listRules(project, { node: 'nodea', offset: 0, limit: 10 })).toThrow(new ApiError('not-found', 'there is no node "nodea" in this project'));
    await project.write((store) => store.importPaths([labNodes], {}, () => {}));
    const page = listRules(project, { node: 'nodea', offset: 0, limit: 1000 });
    expect(page.capture?.kind).toBe('iptables-save');
    expect(page.total).toBe(page.unfiltered);
    expect(page.rules.length).toBe(page.total);
    const dnat = listRules(project, { node: 'nodea', offset: 0, limit: 1000, target: 'DNAT' });
    expect(dnat.rules.map((r) => r.chain).sort()).toEqual(['KUBE-SEP-IT2ZTR26TO4XFPTO', 'KUBE-SEP-ZP3FB6NMPNCO4VBJ']);
    expect(listRules(project, { node: 'nodea', offset: 0, limit: 1000, address: '10.96.0.10', port: 80 }).rules.every((r) => r.text.includes('10.96.0.10'))).toBe(true);
    expect(() => listRules(project, { node: 'nodez', offset: 0, limit: 10 })).toThrow(new ApiError('not-found', 'there is no node "nodez" in this project'));
    expect(() => listRules(project, { node: 'nodea', captureId: 99_999, offset: 0, limit: 10 })).toThrow(expect.objectContaining({ code: 'not-found' }));
    expect(() => listRules(project, { node: 'nodea', offset: 0, limit: 10, address: 'pod-a' })).toThrow(new ApiError('invalid-request', '"pod-a" is neither an IP address nor a CIDR'));
  });

  it('lists each packet capture\'s interface, sets one, and maps the refusals to API errors', async () => {
    await project.write((store) => store.importPaths([labNodes], {}, () => {}));
    const rows = listCaptures(project);
    const pcap = rows.find((c) => c.kind === 'pcap' && c.node === 'nodea' && c.source.endsWith('eth0.pcap'))!;
    expect(pcap.interface).toEqual({ name: 'eth0', from: 'file-name', named: [] });
    expect(rows.filter((c) => c.kind === 'iptables-save').every((c) => c.interface === undefined)).toBe(true);

    const set = setCaptureInterface(project, { captureId: Number(pcap.id), interface: 'cbr0' });
    expect(set).toEqual({ ...pcap, interface: { name: 'cbr0', from: 'chosen', named: [] } });
    expect(setCaptureInterface(project, { captureId: Number(pcap.id), interface: null }).interface).toEqual({ name: 'eth0', from: 'file-name', named: [] });

    const rules = rows.find((c) => c.kind === 'iptables-save')!;
    expect(() => setCaptureInterface(project, { captureId: Number(rules.id), interface: 'eth0' })).toThrow(expect.objectContaining({ code: 'rejected' }));
    expect(() => setCaptureInterface(project, { captureId: 99_999, interface: 'eth0' })).toThrow(expect.objectContaining({ code: 'not-found' }));
    expect(() => setCaptureInterface(project, { captureId: Number(pcap.id), interface: 'eth0:1' })).toThrow(expect.objectContaining({ code: 'invalid-request' }));
  });

  describeShared('transcripts', 'on the two-node transcript', () => {
    it("answers a node's ruleset timeline from core, and not-found for an unknown node", async () => {
      const transcript = sharedFile('transcripts', '002_1fb178fb5a43cd31.txt');
      await project.write((store) => store.importPaths([transcript], {}, () => {}));
      const timeline = rulesetTimeline(project, { node: 'nodeb' });
      expect(timeline.snapshots.map((s) => s.source.replace(/^.*:/, ''))).toEqual(['702', '754', '827']);
      expect(timeline.changes[0]!.diff.chains[0]).toMatchObject({ table: 'filter', chain: 'FORWARD', rulesAdded: ['-A FORWARD -d 172.18.0.0/16 -i eth0 -j ACCEPT'] });
      expect(() => rulesetTimeline(project, { node: 'nodez' })).toThrow(new ApiError('not-found', 'no node "nodez" in this project'));
    });
  });

  it('turns an unknown node and a non-ruleset snapshot into rejected API errors', async () => {
    await project.write((store) => store.importPaths([labNodes], {}, () => {}));
    expect(() => trace(project, { ...request, node: 'nodez' })).toThrow(new ApiError('rejected', 'unknown node "nodez" (known: nodea, nodeb)'));
    const addrCapture = project.read((store) => store.listNodes(), [])[0]?.captures.find((c) => c.kind === 'ip-addr');
    expect(() => trace(project, { ...request, snapshot: Number(addrCapture?.id) })).toThrow(/is not an iptables capture/);
  });

  it('carries assumptions on every outcome, picks a local source, and maps an interface the node lacks to invalid-request', async () => {
    await project.write((store) => store.importPaths([labNodes], {}, () => {}));
    expect(trace(project, request).outcomes.map((o) => o.assumptions)).toEqual([[], []]);
    const local = trace(project, { node: 'nodea', proto: 'udp', dst: '10.40.2.5', dport: 53, local: true, follow: false });
    expect(local.input.src).toBe('192.168.56.11');
    expect(() => trace(project, { ...request, in: 'eth9' }))
      .toThrow(new ApiError('invalid-request', 'nodea has no interface eth9: its captured interfaces are lo, eth0, cbr0, veth-a1, veth-a2'));
  });

  it('pins an older ruleset with snapshot', async () => {
    await project.write((store) => store.importPaths([labNodes], {}, () => {}));
    const save = project.read((store) => store.listNodes(), [])[0]?.captures.find((c) => c.kind === 'iptables-save');
    const result = trace(project, { ...request, snapshot: Number(save?.id) });
    expect(result.outcomes).toHaveLength(2);
  });

  it('answers an empty topology and refuses a trace before the first import, creating nothing', () => {
    expect(topology(project)).toEqual({ nodes: [], services: [], pods: [] });
    expect(() => trace(project, request)).toThrow(ApiError);
    expect(fs.existsSync(path.join(dir, 'p.db'))).toBe(false);
  });

  it('serves the topology of the imported lab', async () => {
    await project.write((store) => store.importPaths([labNodes], {}, () => {}));
    const t = topology(project);
    expect(t.nodes.map((n) => n.name)).toEqual(['nodea', 'nodeb']);
    expect(t.services.map((s) => `${s.namespace}/${s.name}`)).toEqual(['default/hello']);
  });

  it('pages the topology by node: services and pods with the first page, the next offset until the last', async () => {
    await project.write((store) => store.importPaths([labNodes], {}, () => {}));
    const first = topology(project, { limit: 1 });
    expect(first.nodes.map((n) => n.name)).toEqual(['nodea']);
    expect(first.services.map((s) => `${s.namespace}/${s.name}`)).toEqual(['default/hello']);
    expect(first.page).toEqual({ offset: 0, limit: 1, totalNodes: 2, nextOffset: 1 });
    const second = topology(project, { offset: 1, limit: 1 });
    expect(second.nodes).toEqual([topology(project).nodes[1]]);
    expect(second).toMatchObject({ services: [], pods: [], page: { offset: 1, limit: 1, totalNodes: 2, nextOffset: null } });
  });

  it('serves the lab as a summary (node pairs, not a full mesh, at two nodes) and the nodes named on expand', async () => {
    expect(topologySummary(project)).toEqual({ nodes: [], routes: { kind: 'pairs', pairs: [] }, services: [], pods: [] });
    await project.write((store) => store.importPaths([labNodes], {}, () => {}));
    const s = topologySummary(project);
    expect(s.nodes.map((n) => [n.name, n.podNetworks])).toEqual([['nodea', ['10.40.1.0/24']], ['nodeb', ['10.40.2.0/24']]]);
    expect(s.routes.kind === 'pairs' && s.routes.pairs.map((p) => `${p.from}>${p.to} ${p.prefixes.map((x) => x.dst).join()}`)).toEqual(['nodea>nodeb 10.40.2.0/24', 'nodeb>nodea 10.40.1.0/24']);
    expect(topologyNodes(project, { names: ['nodeb', 'nobody'] })).toEqual(topology(project).nodes.filter((n) => n.name === 'nodeb'));
  });

  it('pages the lab flows without observations and answers one flow with its timeline and a page of packets', async () => {
    await project.write((store) => store.importPaths([labNodes], {}, () => {}));
    const first = listFlows(project, { offset: 0, limit: 2 });
    expect(first.flows).toHaveLength(2);
    expect(first.total).toBeGreaterThan(2);
    expect(first.flows[0]).not.toHaveProperty('observations');
    expect(first.flows[0]).toMatchObject({ id: 1, proto: 'tcp', original: { src: '10.40.1.3', sport: 40001, dst: '10.96.0.10', dport: 80 }, service: 'default/hello:http', evidence: 'conntrack' });
    const next = listFlows(project, { offset: 2, limit: 2 });
    expect(next.flows.map((f) => f.id)).toEqual([3, 4]);

    const detail = flowDetail(project, { id: 1, limit: 5 });
    expect(detail.observations.filter((o) => o.kind === 'packet')).toHaveLength(5);
    expect(detail.observationsOmitted).toBe(detail.packets - 5);
    expect(detail.timeline.hops.length).toBeGreaterThan(0);
    expect(detail.timeline.rewrites.map((r) => r.kind)).toContain('dnat');
    // Each rule that rewrote the flow comes with the file:line it was read at.
    const dnat = detail.timeline.rewrites.find((r) => r.kind === 'dnat');
    expect(dnat?.source).toBe(`${path.join(labNodes, 'nodea', 'iptables-save.txt')}:${dnat?.line}`);
    expect(() => flowDetail(project, { id: 99999 })).toThrow(new ApiError('not-found', 'no flow 99999 in this project'));
  });

  it('answers the findings (none on the healthy lab) and a flow replayed beside its captures, stitching first', async () => {
    expect(findings(project).findings).toEqual([]);
    expect(fs.existsSync(path.join(dir, 'p.db'))).toBe(false);
    await project.write((store) => store.importPaths([labNodes], {}, () => {}));
    const all = findings(project);
    expect(all.findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(all.severities.error).toBe(0);
    expect(all.page).toMatchObject({ offset: 0, total: all.findings.length, nextOffset: null });
    const view = flowDivergence(project, { id: 1 });
    expect(view).toMatchObject({ kind: 'replayed', flow: 1, start: { node: 'nodea', local: false } });
    expect(view.kind === 'replayed' && view.comparison?.firstDivergence).toBeNull();
    expect(view.kind === 'replayed' && view.comparison?.rows.every((r) => r.status === 'agree')).toBe(true);
    expect(() => flowDivergence(project, { id: 99999 })).toThrow(new ApiError('not-found', 'no flow 99999 in this project'));
  });

  it('filters the lab flows server-side with a tcpdump expression, pages the matches and names the column of a bad one', async () => {
    await project.write((store) => store.importPaths([labNodes], {}, () => {}));
    const all = listFlows(project, { offset: 0, limit: 500 });
    const pod = listFlows(project, { offset: 0, limit: 500, filter: 'host 10.40.2.2 and port 8080' });
    expect(pod.unfiltered).toBe(all.total);
    expect(pod.total).toBe(pod.flows.length);
    expect(pod.total).toBeGreaterThan(0);
    expect(pod.total).toBeLessThan(all.total);
    // Each match went to that pod (after DNAT) or came back from it.
    for (const f of pod.flows) expect([f.original.dst, f.reply.src, f.original.src, f.reply.dst]).toContain('10.40.2.2');
    const rest = listFlows(project, { offset: 0, limit: 500, filter: 'not (host 10.40.2.2 and port 8080)' });
    // A flow matches when one of its packets does: a NATed flow to the pod has packets on either side of `not`.
    expect(rest.total + pod.total).toBeGreaterThanOrEqual(all.total);
    expect(new Set([...pod.flows, ...rest.flows].map((f) => f.id)).size).toBe(all.total);
    // A page of the matches is a slice of them, in first-seen order.
    const second = listFlows(project, { offset: 1, limit: 1, filter: 'host 10.40.2.2 and port 8080' });
    expect(second.flows.map((f) => f.id)).toEqual(pod.flows.slice(1, 2).map((f) => f.id));
    expect(listFlows(project, { offset: 0, limit: 10, filter: '  ' }).unfiltered).toBeUndefined();
    expect(() => listFlows(project, { offset: 0, limit: 10, filter: 'host 10.40.2.2 and prot 80' })).toThrow(
      new ApiError('rejected', 'the flow filter does not read at column 20: "prot" is neither an IP address nor a filter word (host, net, port, portrange, src, dst, tcp, udp, icmp, ip, ip6, proto, service, tunnel, vni, and, or, not)'),
    );
  });

  it('sorts all the flows (or all the matches) on the server, nulls last, ties in first-seen order', async () => {
    await project.write((store) => store.importPaths([labNodes], {}, () => {}));
    const all = listFlows(project, { offset: 0, limit: 500 }).flows;
    const byPackets = [...all].sort((a, b) => b.packets - a.packets || a.id - b.id).map((f) => f.id);
    expect(listFlows(project, { offset: 0, limit: 500, sort: { column: 'packets', direction: 'desc' } }).flows.map((f) => f.id)).toEqual(byPackets);
    // Pages of a sorted list are slices of it.
    expect(listFlows(project, { offset: 2, limit: 3, sort: { column: 'packets', direction: 'desc' } }).flows.map((f) => f.id)).toEqual(byPackets.slice(2, 5));
    const firstSeen = listFlows(project, { offset: 0, limit: 500, sort: { column: 'first-seen', direction: 'desc' } }).flows;
    const timed = firstSeen.filter((f) => f.firstSeen !== null);
    expect(firstSeen.slice(0, timed.length)).toEqual(timed);
    expect(timed.map((f) => f.firstSeen)).toEqual([...timed.map((f) => f.firstSeen)].sort().reverse());
    // With a filter, the matches in the same order as the whole list's.
    const matches = listFlows(project, { offset: 0, limit: 500, filter: 'tcp', sort: { column: 'packets', direction: 'desc' } }).flows.map((f) => f.id);
    expect(matches).toEqual(byPackets.filter((id) => matches.includes(id)));
    expect(listFlows(project, { offset: 0, limit: 500, sort: { column: 'id', direction: 'desc' } }).flows.map((f) => f.id)).toEqual(all.map((f) => f.id).reverse());
  });

  it('answers an empty flow page before the first import', () => {
    expect(listFlows(project, { offset: 0, limit: 50 })).toEqual({ total: 0, offset: 0, flows: [], clock: [] });
  });
});

describe('findings while an import runs', () => {
  let dir: string;
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('refuses the findings until the worker’s import ends, then answers them', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'natlens-backend-busy-'));
    // A stand-in import worker that holds the import open until the test creates the release file.
    const worker = path.join(dir, 'held-import-worker.cjs');
    const release = path.join(dir, 'release');
    fs.writeFileSync(worker, `const fs = require('node:fs');
const { parentPort } = require('node:worker_threads');
parentPort.postMessage({ kind: 'progress', progress: { phase: 'import', done: 0, total: 1, current: 'x' } });
const wait = setInterval(() => {
  if (!fs.existsSync(${JSON.stringify(release)})) return;
  clearInterval(wait);
  parentPort.postMessage({ kind: 'result', result: { nodes: [], warnings: [], errors: [] } });
}, 10);`);
    const port = coreStoreOpener({ importWorker: worker })(path.join(dir, 'p.db'));
    let started = false;
    const importing = port.importPaths(['x'], {}, () => {
      started = true;
    });
    await expect.poll(() => started).toBe(true);
    expect(() => port.findings(0, 100)).toThrow(new ApiError('rejected', 'an import is running: the findings are checked when it ends'));
    fs.writeFileSync(release, '');
    await importing;
    expect(port.findings(0, 100).findings).toEqual([]);
    port.close();
  });
});

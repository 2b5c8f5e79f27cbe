import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { importPaths } from '../import/import-paths';
import { Store } from '../model/store';
import { projectFindings } from '../project/findings';
import { buildReport, ROUTE_LIMIT } from '../project/report';
import { renderReportHtml, escapeHtml } from './report-html';
import { renderReportJson } from './report-json';
import { escapeMarkdownCell, renderReportMarkdown } from './report-markdown';
import type { Report } from './report-model';
import { LAB_NODES, projectOf, useReportProjects } from './report.fixture';

let dir: string;
let lab: Store;
let edge: Store;
let overlay: Store;
const AT = '2026-11-24T00:00:00.000Z';

useReportProjects((p) => ({ dir, lab, edge, overlay } = p));

const VXLAN_OUT = { kind: 'vxlan', vni: 1, src: '192.168.77.1', dst: '192.168.77.2', dport: 8472 };
const VXLAN_BACK = { ...VXLAN_OUT, src: '192.168.77.2', dst: '192.168.77.1' };

describe('buildReport on the kernel lab', () => {
  it('summarises nodes and captures per kind with their sources and times', () => {
    const r = buildReport(lab, { generatedAt: AT });
    expect(r.summary.nodes).toBe(2);
    expect(r.nodes.map((n) => n.name)).toEqual(['nodea', 'nodeb']);
    const kinds = Object.fromEntries(r.summary.capturesByKind.map((k) => [k.kind, k.count]));
    expect(kinds).toMatchObject({ 'iptables-save': 2, conntrack: 2, 'ip-addr': 2, pcap: 6 });
    expect(r.summary.captures).toBe(r.nodes.reduce((n, node) => n + node.captures.length, 0));
    const save = r.nodes[0]?.captures.find((c) => c.kind === 'iptables-save');
    expect(save?.source).toMatch(/nodea\/iptables-save\.txt:1$/);
    expect(save?.takenAt).toBe('2026-11-23T22:43:48Z');
  });

  it('lists each node\'s interfaces, bridges and routes with their capture lines', () => {
    const nodea = buildReport(lab).nodes[0];
    const eth0 = nodea?.interfaces.find((i) => i.name === 'eth0');
    expect(eth0?.addresses).toContain('192.168.56.11/24');
    expect(eth0?.source).toMatch(/ip-addr\.txt:\d+$/);
    expect(nodea?.bridgePorts.some((b) => b.bridge === 'cbr0')).toBe(true);
    expect(nodea?.routes.some((r) => r.dst === '10.40.2.0/24' && r.via === '192.168.56.12')).toBe(true);
  });

  it('lists the kube-proxy service with its endpoints', () => {
    const hello = buildReport(lab).services.find((s) => s.name === 'hello');
    expect(hello?.clusterIP).toBe('10.96.0.10');
    expect(hello?.endpoints.map((e) => `${e.address}:${e.port}`).sort()).toEqual(['10.40.1.2:8080', '10.40.2.2:8080']);
  });

  it('lists the NAT flows and says when the list is capped', () => {
    const all = buildReport(lab);
    expect(all.flows.total).toBeGreaterThan(2);
    expect(all.flows.capped).toBe(false);
    expect(all.flows.shown.some((f) => f.nat.includes('dnat') && f.service === 'default/hello:http')).toBe(true);
    const capped = buildReport(lab, { flowLimit: 2 });
    expect(capped.flows.shown).toHaveLength(2);
    expect(capped.flows).toMatchObject({ capped: true, total: all.flows.total, limit: 2 });
    expect(renderReportMarkdown(capped)).toContain(`The first 2 of ${all.flows.total} flows`);
  });

  it('finds nothing wrong in the lab (FORWARD accepts, every connection answered)', () => {
    const kinds = buildReport(lab).findings.map((f) => f.kind);
    expect(kinds).toEqual([]);
  });
});

describe('findings', () => {
  it('lists natlens findings, most severe first, each with the capture lines that show it', () => {
    const r = buildReport(edge);
    expect(r.findings.map(({ replay: _, ...f }) => f)).toEqual(projectFindings(edge));
    expect(r.findings.map((f) => [f.severity, f.kind])).toEqual([
      ['error', 'packet-dropped'], ['warning', 'service-without-endpoints'], ['warning', 'service-without-endpoints'], ['warning', 'service-without-endpoints'],
    ]);
    const drop = r.findings[0];
    expect(drop?.evidence[0]).toEqual({ source: expect.stringMatching(/edge\/iptables-save\.txt:3$/), text: ':FORWARD DROP [0:0]' });
    expect(drop?.evidence.map((e) => e.source)).toContainEqual(expect.stringMatching(/eth0\.tcpdump\.txt:1$/));
    expect(drop?.explanation).toMatch(/Fix: /);
    // The fix stands on its own line under the finding's heading.
    expect(renderReportMarkdown(r)).toMatch(/discards it \([^)]*\)\.\n\nFix: add an ACCEPT rule to FORWARD/);
    expect(r.findings.map((f) => f.service)).toContain('default/сервис-服务-ελληνικά:http');
    expect(r.summary.findings).toBe(4);
  });

  it('replays the trace of a finding and lists its steps with the file:line of each rule', () => {
    const drop = buildReport(edge).findings.find((f) => f.kind === 'packet-dropped');
    expect(drop?.trace).toEqual({ node: 'edge', proto: 'tcp', src: '10.40.1.3:40200', dst: '10.40.2.9:8080', in: 'eth0' });
    const replay = drop?.replay;
    expect(replay?.command).toBe('natlens trace --node edge --proto tcp --src 10.40.1.3:40200 --dst 10.40.2.9:8080 --in eth0 --follow');
    expect(replay?.error).toBeNull();
    expect(replay?.outcomes.map((o) => o.verdict)).toEqual(['drop']);
    const steps = replay?.outcomes[0]?.steps ?? [];
    expect(steps.at(-1)).toMatchObject({ node: 'edge', table: 'filter', chain: 'FORWARD', policy: true, target: 'DROP' });
    for (const s of steps.filter((x) => x.rule !== null)) expect(s.source).toMatch(/edge\/iptables-save\.txt:\d+$/);
    const md = renderReportMarkdown(buildReport(edge));
    expect(md).toContain('### Replay');
    expect(md).toMatch(/DROP \(100%\): dropped: dropped on edge by the DROP policy of filter FORWARD/);
    expect(md).toMatch(/\| 1 \| edge \| filter\/FORWARD \| DROP \(policy\) \| `policy DROP` \| \S*edge\/iptables-save\.txt:3 \| - \|/);
  });

  it('counts the findings beyond the per-kind cap instead of dropping them silently', () => {
    const r = buildReport(edge, { findingLimit: 1 });
    expect(r.findings.map((f) => f.kind)).toEqual(['packet-dropped', 'service-without-endpoints']);
    expect(r.findingsOmitted).toEqual([{ kind: 'service-without-endpoints', count: 2 }]);
    expect(r.summary.findings).toBe(4);
    expect(renderReportMarkdown(r)).toContain('2 more service-without-endpoints findings not listed.');
  });

  it('lists at most ROUTE_LIMIT routes of a node and says how many more there are and where to read them', () => {
    const node = path.join(dir, 'routes', 'wide');
    fs.mkdirSync(node, { recursive: true });
    const routes = Array.from({ length: ROUTE_LIMIT + 30 }, (_, i) => `10.${50 + Math.floor(i / 250)}.${i % 250}.0/24 via 192.168.56.1 dev eth0`);
    fs.writeFileSync(path.join(node, 'ip-route.txt'), `${['default via 192.168.56.1 dev eth0', ...routes, '192.168.56.0/24 dev eth0 proto kernel scope link src 192.168.56.9'].join('\n')}\n`);
    const store = projectOf(dir, 'routes.db', [path.dirname(node)]);
    try {
      const r = buildReport(store);
      expect(r.nodes[0]).toMatchObject({ name: 'wide', routesOmitted: 32 });
      expect(r.nodes[0]!.routes).toHaveLength(ROUTE_LIMIT);
      expect(renderReportMarkdown(r)).toContain('32 more routes of wide not listed (natlens nodes --json lists them all).');
      expect(buildReport(lab).nodes.every((n) => n.routesOmitted === 0 && n.interfacesOmitted === 0)).toBe(true);
    } finally {
      store.close();
    }
  });

  it('lists kubectl services with their frontends and endpoints, and the pods', () => {
    const r = buildReport(edge);
    const web = r.services.find((s) => s.name === 'web');
    expect(web).toMatchObject({ type: 'NodePort', clusterIP: '10.96.0.70', endpoints: [{ address: '10.40.1.7', port: 8080 }] });
    const md = renderReportMarkdown(r);
    expect(md).toContain('| default/web | NodePort | 10.96.0.70:80/TCP NodePort 30070/TCP | 10.40.1.7:8080 | kubectl |');
    expect(md).toContain('| default/web-7d4b9c-abcde | 10.40.1.7 | edge | Running |');
  });
});

describe('buildReport on a node underlay capture of pod traffic inside VXLAN (test/fixtures/pcap-overlay)', () => {
  it('gives each hop of a pod connection the tunnel it crossed', () => {
    const tcp = buildReport(overlay).flows.shown.find((f) => f.proto === 'tcp');
    expect(tcp?.original).toMatch(/^10\.244\.1\.5:\d+ > 10\.244\.2\.7:80$/);
    expect(tcp?.hops.map((h) => [h.direction, h.tunnel, h.packets])).toEqual([['original', VXLAN_OUT, 6], ['reply', VXLAN_BACK, 4]]);
  });

  it('lists the tunnels seen, per capture and direction, with their packets; a project without tunnels lists none', () => {
    const r = buildReport(overlay);
    const pcap = r.nodes[0]!.captures[0]!;
    expect(r.tunnels.map(({ kind, vni, src, dst, dport, node, source }) => ({ kind, vni, src, dst, dport, node, source })))
      .toEqual(expect.arrayContaining([VXLAN_OUT, VXLAN_BACK].map((t) => ({ ...t, node: 'nodea', source: pcap.source }))));
    expect(r.tunnels).toHaveLength(2);
    // Every packet of the capture but the few sent as they are (ARP and IPv6 neighbour discovery on the underlay itself).
    expect(r.tunnels.reduce((n, t) => n + t.packets, 0)).toBeGreaterThan(pcap.records / 2);
    expect(r.tunnelsOmitted).toBe(0);
    const lab = buildReport(edge);
    expect([lab.tunnels, lab.tunnelsOmitted]).toEqual([[], 0]);
    expect(renderReportMarkdown(lab)).not.toContain('Overlay tunnels');
  });
});

describe('buildReport on a node with a pod namespace captured', () => {
  it('names the namespace end of a veth whose both ends name each other, in the Peer column', () => {
    const file = path.join(dir, 'veth-node1.txt');
    const link = (index: number, name: string): string[] => [
      `${index}: ${name}@if3: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 qdisc noqueue master cni0 state UP group default`,
      `    link/ether 6a:1b:2c:3d:4e:0${index} brd ff:ff:ff:ff:ff:ff link-netnsid 0`,
    ];
    fs.writeFileSync(file, [
      'root@node1:~# ip addr', ...link(7, 'veth1a2b3c4d'), ...link(8, 'veth9f8e7d6c'),
      'root@node1:~# ip netns exec cni-aaaa ip addr',
      '3: eth0@if7: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 qdisc noqueue state UP group default',
      '    link/ether 0a:58:0a:f4:01:05 brd ff:ff:ff:ff:ff:ff link-netnsid 0',
      '    inet 10.244.1.5/24 brd 10.244.1.255 scope global eth0',
      '',
    ].join('\n'));
    const store = projectOf(dir, 'veth.db', [file]);
    try {
      const md = renderReportMarkdown(buildReport(store));
      expect(md).toMatch(/\| veth1a2b3c4d \| - \| UP \| [0-9a-f:]+ \| cni0 \| if3 \(eth0 in cni-aaaa\) \|/);
      expect(md).toMatch(/\| veth9f8e7d6c \| - \| UP \| [0-9a-f:]+ \| cni0 \| if3 \|/);
    } finally {
      store.close();
    }
  });
});

describe('renderReportHtml', () => {
  it('escapes capture text: a <script> in a rule comment stays text', () => {
    const html = renderReportHtml(buildReport(edge));
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('--comment &quot;default/&lt;script&gt;');
    expect(html).toContain('<h2>2. [warning] Service default/&lt;script&gt;alert(1)&lt;/script&gt;:http has no endpoints</h2>');
  });

  it('is one self-contained page: inline style, nothing loaded from elsewhere', () => {
    const html = renderReportHtml(buildReport(lab, { generatedAt: AT }));
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain('<style>');
    expect(html).not.toMatch(/<(script|link|img|iframe|object|embed)\b/i);
    expect(html).not.toMatch(/\b(src|href)=|url\(|@import/i);
    expect(html).toContain('<h2>Node nodea</h2>');
    expect(html).toContain('192.168.56.11/24');
  });

  it('says in the hop tables which tunnel each hop crossed, and lists the tunnels in their own section', () => {
    const html = renderReportHtml(buildReport(overlay, { generatedAt: AT }));
    expect(html).toContain('<td>nodea · ? in VXLAN 1 (192.168.77.1 → 192.168.77.2)</td>');
    expect(html).toContain('<td>nodea · ? in VXLAN 1 (192.168.77.2 → 192.168.77.1)</td>');
    expect(html).toMatch(/<h1[^>]*>Overlay tunnels<\/h1>/);
    // The hop's arrow in the flow's NAT picture says it too.
    expect(html).toContain('original · 6 pkt · in VXLAN 1</tspan>');
    expect(html).toMatch(/<tr><td>VXLAN 1<\/td><td>vxlan<\/td><td>1<\/td><td>192\.168\.77\.1<\/td><td>192\.168\.77\.2<\/td><td>8472<\/td><td>\d+<\/td><td>nodea<\/td>/);
  });

  it('escapes the five HTML-significant characters', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});

/** Cells of a Markdown table row, split at pipes that are not escaped. */
const cells = (row: string): number => row.replace(/\\\\/g, '').split(/(?<!\\)\|/).length - 2;

describe('renderReportMarkdown', () => {
  it('escapes pipes in table cells so every row keeps its columns', () => {
    const base = buildReport(edge, { generatedAt: AT });
    const report: Report = { ...base, warnings: [{ source: 'odd|file.txt:3', message: 'a | b\nsecond line' }] };
    const md = renderReportMarkdown(report);
    expect(md).toContain('| odd\\|file.txt:3 | a \\| b<br>second line |');
    const tables = md.trimEnd().split('\n\n').filter((b) => b.startsWith('| '));
    expect(tables.length).toBeGreaterThan(3);
    for (const table of tables) {
      const rows = table.split('\n');
      const width = cells(rows[0] ?? '');
      for (const row of rows) expect(cells(row), row).toBe(width);
    }
  });

  it('keeps capture text verbatim in fences and escapes it elsewhere', () => {
    const md = renderReportMarkdown(buildReport(edge));
    expect(md).toContain('```text\n# ');
    expect(md).toContain('--comment "default/<script>alert(1)</script>:http has no endpoints"');
    expect(md).toContain('Service default/\\<script\\>alert(1)\\</script\\>:http has no endpoints');
    expect(escapeMarkdownCell('x|y')).toBe('x\\|y');
  });
});

describe('renderReportJson', () => {
  it('is the report model as one JSON document', () => {
    const r = buildReport(edge, { generatedAt: AT });
    const json = JSON.parse(renderReportJson(r)) as Report & { version: number };
    expect(json.generatedAt).toBe(AT);
    expect(json.summary.nodes).toBe(1);
    expect(json.version).toBe(2);
    expect(json.findings.map((f) => f.kind)).toEqual(['packet-dropped', 'service-without-endpoints', 'service-without-endpoints', 'service-without-endpoints']);
  });
  it('gives each hop its tunnel object and the report its tunnels (fields added to version 2)', () => {
    const json = JSON.parse(renderReportJson(buildReport(overlay, { generatedAt: AT }))) as Report & { version: number };
    expect(json.version).toBe(2);
    const tcp = json.flows.shown.find((f) => f.proto === 'tcp');
    expect(tcp?.hops.map((h) => h.tunnel)).toEqual([VXLAN_OUT, VXLAN_BACK]);
    expect(json.flows.shown.every((f) => f.hops.every((h) => 'tunnel' in h))).toBe(true);
    expect(json.tunnels.map((t) => `${t.kind} ${t.vni} ${t.src} > ${t.dst}`).sort()).toEqual(['vxlan 1 192.168.77.1 > 192.168.77.2', 'vxlan 1 192.168.77.2 > 192.168.77.1']);
  });
});

describe('very long capture text', () => {
  it('is clipped in every rendered format, with the cut said', () => {
    const base = buildReport(edge, { generatedAt: AT });
    const rule = `-A KUBE-SERVICES -m comment --comment "${'x'.repeat(10_000_000)}" -j REJECT`;
    const report: Report = {
      ...base,
      findings: [{
        id: 'x', severity: 'warning', kind: 'service-no-endpoints', title: 'big', explanation: 'big', service: 'default/big', nodes: ['edge'], flows: [],
        evidence: [{ source: 'big.txt:1', text: rule }], trace: null, replay: null,
      }],
    };
    const html = renderReportHtml(report);
    const md = renderReportMarkdown(report);
    expect(html.length).toBeLessThan(100_000);
    expect(md.length).toBeLessThan(100_000);
    expect(html).toContain(`(${rule.length - 4000} more characters)`);
    expect(md).toContain(`(${rule.length - 4000} more characters)`);
  });
});

describe('import warnings', () => {
  it('lists captures the import could not read and kept as text, at their line', () => {
    const session = path.join(dir, 'session.txt');
    fs.writeFileSync(session, [
      'root@n2:~# ip route',
      'default via 10.0.0.1 dev eth0',
      'root@n2:~# conntrack -L',
      'tcp      6 117 TIME_WAIT src=10.40.1.3 dst=10.96.0.10 sport=99999999 dport=80 src=10.40.2.2 dst=10.40.1.3 sport=8080 dport=40002 mark=0 use=1',
      'root@n2:~# exit',
      '',
    ].join('\n'));
    const store = Store.open(path.join(dir, 'warn.db'));
    try {
      importPaths(store, [session]);
      const r = buildReport(store);
      expect(r.warnings).toEqual([{ source: `${session}:4`, message: expect.stringMatching(/^conntrack not read: .*99999999.*; kept as text$/) }]);
      expect(renderReportMarkdown(r)).toContain('## Import warnings');
    } finally {
      store.close();
    }
  });
});

describe('services, flows, captures and traces', () => {
  it('lists each service\'s exact kube-proxy rules per node with file:line, not the whole dump', () => {
    const hello = buildReport(lab).services.find((s) => s.name === 'hello');
    expect(hello?.rules.map((n) => n.node)).toEqual(['nodea', 'nodeb']);
    const nodea = hello?.rules[0]?.rules ?? [];
    expect(nodea).toContainEqual({
      table: 'nat', chain: 'KUBE-SEP-ZP3FB6NMPNCO4VBJ', source: expect.stringMatching(/nodea\/iptables-save\.txt:40$/),
      text: '-A KUBE-SEP-ZP3FB6NMPNCO4VBJ -p tcp -m comment --comment "default/hello:http" -m tcp -j DNAT --to-destination 10.40.2.2:8080',
    });
    expect(nodea.every((r) => r.chain.startsWith('KUBE-') && !['KUBE-POSTROUTING', 'KUBE-MARK-MASQ', 'KUBE-FORWARD'].includes(r.chain))).toBe(true);
    const md = renderReportMarkdown(buildReport(lab));
    expect(md).toContain('### kube-proxy rules on nodea');
    expect(md).toMatch(/\| `-A KUBE-SERVICES -d 10\.96\.0\.10\/32 .*-j KUBE-SVC-TCOU7JCQXEZGVUNU` \|/);
  });

  it('gives each flow its hop timeline (node · interface, tuple, stage) and each rewrite its rule\'s file:line', () => {
    const flow = buildReport(lab).flows.shown.find((f) => f.nat.includes('dnat') && f.hops.length > 2);
    expect(flow).toBeDefined();
    expect(flow?.hops[0]).toMatchObject({ node: 'nodea', direction: 'original', stage: expect.stringMatching(/^pre-NAT/) });
    expect(flow?.hops.some((h) => h.stage.startsWith('post-NAT'))).toBe(true);
    const dnat = flow?.rewrites.find((w) => w.kind === 'dnat' && w.rule !== null);
    expect(dnat?.source).toMatch(/iptables-save\.txt:\d+$/);
    expect(renderReportMarkdown(buildReport(lab))).toContain('## Hop timelines');
  });

  it('caps hops per flow and counts the rest', () => {
    for (const f of buildReport(lab).flows.shown) expect(f.hops.length).toBeLessThanOrEqual(16);
  });

  it('lists the captures with how the node, interface and time were known', () => {
    const r = buildReport(lab);
    expect(r.captures).toHaveLength(r.summary.captures);
    const eth0 = r.captures.find((c) => c.node === 'nodea' && c.kind === 'pcap' && c.source.endsWith('eth0.pcap'));
    expect(eth0?.provenance).toEqual(['node: the folder nodea/', 'interface: eth0 (from the file name)', 'time: the first packet\'s timestamp']);
    const save = r.captures.find((c) => c.node === 'nodeb' && c.kind === 'iptables-save');
    expect(save?.provenance).toContain('time: written in the capture');
    expect(renderReportHtml(r)).toContain('<h1>Captures</h1>');
  });

  it('replays the traces the user added, and says why one could not run', () => {
    const traces = [
      { node: 'nodea', proto: 'tcp', src: '10.40.1.3', sport: null, dst: '10.96.0.10', dport: 80, in: 'veth-a1', local: false, follow: true, snapshot: null, bridgeNetfilter: null },
      { node: 'nowhere', proto: 'tcp', src: '10.40.1.3', sport: null, dst: '10.96.0.10', dport: 80, in: 'eth0', local: false, follow: false, snapshot: null, bridgeNetfilter: null },
    ];
    const r = buildReport(lab, { traces });
    expect(r.traces).toHaveLength(2);
    const [ok, bad] = r.traces;
    expect(ok?.replay.outcomes.map((o) => o.summary).join(' ')).toContain('default/hello:http');
    expect(ok?.replay.outcomes.flatMap((o) => o.steps).some((s) => s.nat?.startsWith('DNAT 10.96.0.10:80 -> 10.40.'))).toBe(true);
    expect(bad?.replay.error).toMatch(/unknown node "nowhere"/);
    const md = renderReportMarkdown(r);
    expect(md).toContain('# Traces');
    expect(md).toContain('natlens trace --node nodea --proto tcp --src 10.40.1.3 --dst 10.96.0.10:80 --in veth-a1 --follow');
  });
});

describe('a project of many nodes', () => {
  it('stays bounded: a service\'s rules listed for a few nodes and the others named', () => {
    const save = fs.readFileSync(path.join(LAB_NODES, 'nodea', 'iptables-save.txt'), 'utf8');
    const root = path.join(dir, 'many');
    for (let i = 0; i < 50; i++) {
      fs.mkdirSync(path.join(root, `node${String(i).padStart(2, '0')}`), { recursive: true });
      fs.writeFileSync(path.join(root, `node${String(i).padStart(2, '0')}`, 'iptables-save.txt'), save);
    }
    const store = projectOf(dir, 'many.db', [root]);
    try {
      const r = buildReport(store);
      const hello = r.services.find((s) => s.name === 'hello');
      expect(hello?.programmedOn).toHaveLength(50);
      expect(hello?.rules.map((n) => n.node)).toEqual(['node00', 'node01', 'node02']);
      const md = renderReportMarkdown(r);
      expect(md).toContain('Also programmed on node03, node04');
      expect(md.length).toBeLessThan(200_000);
    } finally {
      store.close();
    }
  });
});

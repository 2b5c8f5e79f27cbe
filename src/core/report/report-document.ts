/**
 * The report laid out once as a list of blocks (headings, paragraphs, tables, monospace blocks),
 * so the HTML, Markdown and PDF renderers say the same thing and only differ in how they draw it.
 * Text here is plain: each renderer escapes it for its own format.
 */
import type { NatPicture } from '../views/nat-picture';
import type { Report, ReportNode, ReportReplay, ReportService } from './report-model';
import { unlistedFlows } from '../diagnose/flow-finding-summary';
import { tunnelBeside, tunnelLabel } from '../views/tunnel-text';

export type Block =
  | { kind: 'heading'; level: 1 | 2 | 3; text: string }
  | { kind: 'paragraph'; text: string }
  | { kind: 'list'; items: string[] }
  /** `code`: the columns whose cells are capture text (rules), drawn as code. */
  | { kind: 'table'; columns: string[]; rows: string[][]; code?: number[] }
  /** Verbatim capture text: rules, conntrack entries, packets, each with its source. */
  | { kind: 'code'; lines: string[] }
  /** A flow's NAT timeline drawn (HTML); the formats that cannot draw it keep the hop table beside it. */
  | { kind: 'nat-picture'; title: string; picture: NatPicture };

/** Blocks with every table cell and monospace line clipped to TEXT_LIMIT. */
function clipped(b: Block): Block {
  if (b.kind === 'table') return { ...b, rows: b.rows.map((r) => r.map(clip)) };
  if (b.kind === 'code') return { ...b, lines: b.lines.map(clip) };
  return b;
}

const dash = (v: string | number | null | undefined): string => (v === null || v === undefined || v === '' ? '-' : String(v));

/** Capture text longer than this is cut (a 10 MB rule would otherwise fill a thousand PDF pages). */
export const TEXT_LIMIT = 4000;

export function clip(text: string): string {
  return text.length <= TEXT_LIMIT ? text : `${text.slice(0, TEXT_LIMIT)}... (${text.length - TEXT_LIMIT} more characters)`;
}

const count = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`;

/** `if3`, and where the other end of a veth was found in a namespace captured on the node: `if3 (eth0 in cni-aaaa)`. */
const peerCell = (i: ReportNode['interfaces'][number]): string =>
  i.pairedWith === null ? dash(i.peer) : `${i.peer ?? '-'} (${i.pairedWith.interface} in ${i.pairedWith.netns})`;

function* nodeBlocks(n: ReportNode): Generator<Block> {
  yield { kind: 'heading', level: 2, text: `Node ${n.name}` };
  yield { kind: 'paragraph', text: `${count(n.captures.length, 'capture')} (listed under Captures).` };
  yield { kind: 'heading', level: 3, text: 'Interfaces' };
  if (n.interfaces.length === 0) yield { kind: 'paragraph', text: 'No ip addr capture.' };
  else {
    yield {
      kind: 'table',
      columns: ['Interface', 'Addresses', 'State', 'MAC', 'Master', 'Peer', 'Source'],
      rows: n.interfaces.map((i) => [i.name, i.addresses.join(' ') || '-', dash(i.state), dash(i.mac), dash(i.master), peerCell(i), i.source]),
    };
    if (n.interfacesOmitted > 0) yield { kind: 'paragraph', text: `${count(n.interfacesOmitted, 'more interface')} of ${n.name} not listed (natlens nodes --json lists them all).` };
  }
  if (n.bridgePorts.length > 0) {
    yield { kind: 'heading', level: 3, text: 'Bridges' };
    yield { kind: 'table', columns: ['Bridge', 'Port', 'State'], rows: n.bridgePorts.map((b) => [b.bridge, b.port, dash(b.state)]) };
  }
  yield { kind: 'heading', level: 3, text: 'Routes' };
  if (n.routes.length === 0) yield { kind: 'paragraph', text: 'No route capture.' };
  else {
    yield {
      kind: 'table',
      columns: ['Destination', 'Via', 'Dev', 'Src', 'Metric', 'Table', 'Source'],
      rows: n.routes.map((r) => [`${r.type !== 'unicast' ? `${r.type} ` : ''}${r.dst}`, dash(r.via), dash(r.dev), dash(r.src), dash(r.metric), r.table, r.source]),
    };
    if (n.routesOmitted > 0) yield { kind: 'paragraph', text: `${count(n.routesOmitted, 'more route')} of ${n.name} not listed (natlens nodes --json lists them all).` };
  }
  for (const ns of n.namespaces) {
    yield { kind: 'heading', level: 3, text: `Namespace ${ns.name}${ns.via ? ` (${ns.via})` : ''}` };
    if (ns.interfaces.length > 0) {
      yield { kind: 'table', columns: ['Interface', 'Addresses', 'Peer', 'Source'], rows: ns.interfaces.map((i) => [i.name, i.addresses.join(' ') || '-', dash(i.peer), i.source]) };
    }
    if (ns.routes.length > 0) {
      yield { kind: 'table', columns: ['Destination', 'Via', 'Dev', 'Source'], rows: ns.routes.map((r) => [r.dst, dash(r.via), dash(r.dev), r.source]) };
    }
  }
}

function serviceTable(r: Report): Block {
  return {
    kind: 'table',
    columns: ['Service', 'Type', 'Frontends', 'Endpoints', 'Read from'],
    rows: r.services.map((s) => {
      const endpoints = s.endpoints.map((e) => (e.port === null ? e.address : `${e.address}:${e.port}`));
      const from = [...s.origins, ...(s.programmedOn.length ? [`on ${s.programmedOn.join(', ')}`] : [])].join(' ');
      return [`${s.namespace}/${s.name}`, dash(s.type), frontendsOf(s).join(' ') || '-', endpoints.join(' ') || 'none', from];
    }),
  };
}

function frontendsOf(s: ReportService): string[] {
  return s.ports.flatMap((p) => [
    ...(s.clusterIP ? [`${s.clusterIP}:${p.port}/${p.protocol}`] : []),
    ...s.externalIPs.map((ip) => `${ip}:${p.port}/${p.protocol}`),
    ...(p.nodePort !== null ? [`NodePort ${p.nodePort}/${p.protocol}`] : []),
  ]);
}

function* serviceBlocks(r: Report): Generator<Block> {
  yield { kind: 'heading', level: 1, text: 'Kubernetes services' };
  if (r.services.length === 0) {
    yield { kind: 'paragraph', text: 'No services: no kubectl output and no kube-proxy rules were captured.' };
    return;
  }
  yield serviceTable(r);
  for (const s of r.services) {
    if (s.rules.length === 0) continue;
    yield { kind: 'heading', level: 2, text: `Service ${s.namespace}/${s.name}` };
    yield { kind: 'list', items: [`Frontends: ${frontendsOf(s).join(', ') || 'none captured'}`, `Endpoints: ${s.endpoints.map((e) => (e.port === null ? e.address : `${e.address}:${e.port}`)).join(', ') || 'none'}`] };
    for (const n of s.rules) {
      yield { kind: 'heading', level: 3, text: `kube-proxy rules on ${n.node}` };
      yield { kind: 'table', columns: ['Source', 'Table', 'Chain', 'Rule'], code: [3], rows: n.rules.map((x) => [x.source, x.table, x.chain, x.text]) };
      if (n.omitted > 0) yield { kind: 'paragraph', text: `${count(n.omitted, 'more rule')} of this service on ${n.node} not listed.` };
    }
    const other = s.programmedOn.filter((node) => !s.rules.some((n) => n.node === node));
    if (other.length > 0) yield { kind: 'paragraph', text: `Also programmed on ${other.join(', ')} (rules not listed).` };
  }
  if (r.pods.length > 0) {
    yield { kind: 'heading', level: 2, text: 'Pods' };
    yield { kind: 'table', columns: ['Pod', 'IP', 'Node', 'Status'], rows: r.pods.map((p) => [`${p.namespace}/${p.name}`, dash(p.ip), dash(p.node), dash(p.status)]) };
    if (r.podsOmitted > 0) yield { kind: 'paragraph', text: `${count(r.podsOmitted, 'more pod')} not listed (natlens serve's Topology view lists them all).` };
  }
}

const percent = (p: number): string => `${Math.round(p * 1000) / 10}%`;

function* replayBlocks(replay: ReportReplay): Generator<Block> {
  yield { kind: 'code', lines: [replay.command] };
  if (replay.error !== null) {
    yield { kind: 'paragraph', text: `The replay could not run: ${replay.error}` };
    return;
  }
  for (const o of replay.outcomes) {
    yield { kind: 'paragraph', text: `${o.verdict.toUpperCase()} (${percent(o.probability)}): ${o.summary}${o.reason && !o.summary.includes(o.reason) ? ` - ${o.reason}` : ''}` };
    if (o.assumptions.length > 0) yield { kind: 'list', items: o.assumptions.map((a) => `Assuming ${a}`) };
    yield {
      kind: 'table',
      columns: ['#', 'Node', 'Table/chain', 'Target', 'Rule', 'Source', 'Rewrite'],
      code: [4],
      rows: o.steps.map((s, i) => [String(i + 1), s.node, `${s.table}/${s.chain}`, s.policy ? `${s.target} (policy)` : s.target, s.rule ?? `policy ${s.target}`, dash(s.source), dash(s.nat)]),
    };
    if (o.stepsOmitted > 0) yield { kind: 'paragraph', text: `${count(o.stepsOmitted, 'more step')} not listed.` };
  }
  if (replay.outcomesOmitted > 0) yield { kind: 'paragraph', text: `${count(replay.outcomesOmitted, 'more outcome')} not listed.` };
}

function* findingBlocks(r: Report): Generator<Block> {
  yield { kind: 'heading', level: 1, text: 'Findings' };
  if (r.findings.length === 0) yield { kind: 'paragraph', text: 'Nothing stood out in the captures.' };
  for (const [i, f] of r.findings.entries()) {
    yield { kind: 'heading', level: 2, text: `${i + 1}. [${f.severity}] ${f.title}` };
    // natlens findings end their explanation with `Fix: ...`; the fix gets its own line.
    const fixAt = f.explanation.lastIndexOf('Fix: ');
    if (fixAt > 0) {
      yield { kind: 'paragraph', text: f.explanation.slice(0, fixAt).trim() };
      yield { kind: 'paragraph', text: f.explanation.slice(fixAt) };
    } else yield { kind: 'paragraph', text: f.explanation };
    const about = [
      f.nodes.length > 0 ? `Nodes: ${f.nodes.join(', ')}` : null,
      f.service !== null ? `Service: ${f.service}` : null,
      f.flows.length > 0 ? `Flows: ${f.flows.join(', ')}${unlistedFlows(f) > 0 ? ` and ${unlistedFlows(f)} more` : ''}` : null,
      `Kind: ${f.kind}`,
    ].filter((x): x is string => x !== null);
    yield { kind: 'list', items: about };
    if (f.evidence.length > 0) {
      yield { kind: 'heading', level: 3, text: 'Evidence' };
      yield { kind: 'code', lines: f.evidence.flatMap((e) => [`# ${e.source}`, e.text]) };
    }
    if (f.replay !== null) {
      yield { kind: 'heading', level: 3, text: 'Replay' };
      yield* replayBlocks(f.replay);
    } else if (f.trace !== null) {
      yield { kind: 'paragraph', text: `Replay it with: natlens trace --node ${f.trace.node} --proto ${f.trace.proto} --src ${f.trace.src} --dst ${f.trace.dst} ${'local' in f.trace ? '--local' : `--in ${f.trace.in}`}` };
    }
  }
  for (const o of r.findingsOmitted) yield { kind: 'paragraph', text: `${o.count} more ${o.kind} findings not listed.` };
}

function* flowBlocks(r: Report): Generator<Block> {
  yield { kind: 'heading', level: 1, text: 'NAT flows' };
  const { total, shown, capped, limit } = r.flows;
  if (total === 0) {
    yield { kind: 'paragraph', text: 'No flows: no packet captures or conntrack listings were imported.' };
    return;
  }
  yield {
    kind: 'paragraph',
    text: capped ? `The first ${shown.length} of ${total} flows, by first time seen (capped at ${limit}; natlens flows lists them all).` : `${total} flows, by first time seen.`,
  };
  yield {
    kind: 'table',
    columns: ['Flow', 'Proto', 'Original', 'Reply', 'NAT', 'Service', 'Packets', 'First seen'],
    rows: shown.map((f) => [String(f.id), f.proto, f.original, f.reply, f.nat.join('+') || '-', dash(f.service), String(f.packets), dash(f.firstSeen)]),
  };
  const detailed = shown.filter((f) => f.hops.length > 0 || f.rewrites.length > 0 || f.tcp !== null);
  if (detailed.length > 0) yield { kind: 'heading', level: 2, text: 'Hop timelines' };
  for (const f of detailed) {
    yield { kind: 'heading', level: 3, text: `Flow ${f.id}: ${f.proto} ${f.original}${f.service ? ` (${f.service})` : ''}` };
    if (f.tcp) yield { kind: 'paragraph', text: `TCP: ${f.tcp}` };
    if (f.picture !== null) yield { kind: 'nat-picture', title: `NAT timeline of flow ${f.id}`, picture: f.picture };
    if (f.hops.length > 0) {
      yield {
        kind: 'table',
        columns: ['Time', 'Node · interface', 'Direction', 'Tuple', 'Stage', 'Packets'],
        rows: f.hops.map((h) => [
          dash(h.time), h.traceHook !== undefined ? `${h.node} · ${h.traceHook} (kernel trace)` : `${h.node} · ${h.interface ?? '?'}${h.tunnel ? ` ${tunnelBeside(h.tunnel)}` : ''}`, h.direction, h.tuple, h.stage, String(h.packets),
        ]),
      };
      if (f.hopsOmitted > 0) yield { kind: 'paragraph', text: `${count(f.hopsOmitted, 'more hop')} not listed.` };
    }
    if (f.rewrites.length > 0) {
      yield {
        kind: 'table',
        columns: ['Node', 'Rewrite', 'By', 'Rule', 'Source'],
        code: [3],
        rows: f.rewrites.map((w) => [w.node, `${w.kind.toUpperCase()} ${w.before} -> ${w.after}`, w.by, w.rule ?? '-', dash(w.source)]),
      };
    }
  }
}

/** The overlay tunnels the packet captures hold: said only for a project whose packets came in tunnels. */
function* tunnelBlocks(r: Report): Generator<Block> {
  if (r.tunnels.length === 0) return;
  yield { kind: 'heading', level: 1, text: 'Overlay tunnels' };
  yield {
    kind: 'paragraph',
    text: 'Packets captured on a node network inside a tunnel between two nodes (VXLAN, Geneve, IPIP): the flows above show the inner (pod) packets, '
      + 'each hop saying which tunnel it was seen in. One row per capture and tunnel direction.',
  };
  yield {
    kind: 'table',
    columns: ['Tunnel', 'Kind', 'VNI', 'Outer source', 'Outer destination', 'UDP port', 'Packets', 'Node', 'Capture'],
    rows: r.tunnels.map((t) => [tunnelLabel(t), t.kind, dash(t.vni), t.src, t.dst, dash(t.dport), String(t.packets), t.node, t.source]),
  };
  if (r.tunnelsOmitted > 0) yield { kind: 'paragraph', text: `${count(r.tunnelsOmitted, 'more tunnel')} not listed.` };
}

function* captureBlocks(r: Report): Generator<Block> {
  yield { kind: 'heading', level: 1, text: 'Captures' };
  if (r.captures.length === 0) {
    yield { kind: 'paragraph', text: 'No captures.' };
    return;
  }
  yield {
    kind: 'table',
    columns: ['Capture', 'Node', 'Kind', 'Source', 'Taken at', 'Records', 'How it was known'],
    rows: r.captures.map((c) => [
      String(c.id), c.node, `${c.kind}${c.netns ? ` [netns ${c.netns}]` : ''}${c.partial ? ' (partial)' : ''}`, c.source, dash(c.takenAt), String(c.records), c.provenance.join('; '),
    ]),
  };
  if (r.capturesOmitted > 0) yield { kind: 'paragraph', text: `${count(r.capturesOmitted, 'more capture')} not listed (natlens nodes --json lists them all).` };
}

function* traceBlocks(r: Report): Generator<Block> {
  if (r.traces.length === 0) return;
  yield { kind: 'heading', level: 1, text: 'Traces' };
  for (const [i, t] of r.traces.entries()) {
    yield { kind: 'heading', level: 2, text: `Trace ${i + 1}` };
    yield* replayBlocks(t.replay);
  }
}

/** The report's blocks in reading order, each made when the renderer asks for it. */
export function* reportBlocks(r: Report): Generator<Block> {
  for (const block of unclipped(r)) yield clipped(block);
}

/** reportBlocks as one list. */
export function reportDocument(r: Report): Block[] {
  return [...reportBlocks(r)];
}

function* unclipped(r: Report): Generator<Block> {
  const s = r.summary;
  yield { kind: 'heading', level: 1, text: r.title };
  yield { kind: 'paragraph', text: `Generated ${r.generatedAt} from ${r.database}.` };
  yield { kind: 'heading', level: 2, text: 'Summary' };
  yield {
    kind: 'list',
    items: [
      `${count(s.nodes, 'node')}, ${count(s.captures, 'capture')}`,
      count(s.services, 'Kubernetes service'),
      count(s.flows, 'flow'),
      count(s.findings, 'finding'),
      ...(r.tunnels.length > 0 ? [`${count(r.tunnels.length + r.tunnelsOmitted, 'overlay tunnel')} in the packet captures`] : []),
    ],
  };
  yield { kind: 'table', columns: ['Capture kind', 'Count'], rows: s.capturesByKind.map((k) => [k.kind, String(k.count)]) };
  if (r.warnings.length > 0) {
    yield { kind: 'heading', level: 2, text: 'Import warnings' };
    yield { kind: 'table', columns: ['Source', 'Warning'], rows: r.warnings.map((w) => [w.source, w.message]) };
    if (r.warningsOmitted > 0) yield { kind: 'paragraph', text: `${r.warningsOmitted} more warnings not listed.` };
  }
  yield* findingBlocks(r);
  yield* traceBlocks(r);
  yield* serviceBlocks(r);
  yield* flowBlocks(r);
  yield* tunnelBlocks(r);
  yield { kind: 'heading', level: 1, text: 'Nodes' };
  for (const n of r.nodes) yield* nodeBlocks(n);
  yield* captureBlocks(r);
}

/**
 * The report laid out once as a list of blocks (headings, paragraphs, tables, monospace blocks),
 * so the HTML, Markdown and PDF renderers say the same thing and only differ in how they draw it.
 * Text here is plain: each renderer escapes it for its own format.
 */
import { findingEvidence, findingText } from './findings';
import type { Report, ReportNode } from './report-model';

export type Block =
  | { kind: 'heading'; level: 1 | 2 | 3; text: string }
  | { kind: 'paragraph'; text: string }
  | { kind: 'list'; items: string[] }
  | { kind: 'table'; columns: string[]; rows: string[][] }
  /** Verbatim capture text: rules, conntrack entries, packets, each with its source. */
  | { kind: 'code'; lines: string[] };

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

function nodeBlocks(n: ReportNode): Block[] {
  const out: Block[] = [{ kind: 'heading', level: 2, text: `Node ${n.name}` }];
  out.push({
    kind: 'table',
    columns: ['Capture', 'Kind', 'Source', 'Taken at', 'Records'],
    rows: n.captures.map((c) => [String(c.id), `${c.kind}${c.netns ? ` [netns ${c.netns}]` : ''}${c.partial ? ' (partial)' : ''}`, c.source, dash(c.takenAt), String(c.records)]),
  });
  out.push({ kind: 'heading', level: 3, text: 'Interfaces' });
  if (n.interfaces.length === 0) out.push({ kind: 'paragraph', text: 'No ip addr capture.' });
  else {
    out.push({
      kind: 'table',
      columns: ['Interface', 'Addresses', 'State', 'MAC', 'Master', 'Peer', 'Source'],
      rows: n.interfaces.map((i) => [i.name, i.addresses.join(' ') || '-', dash(i.state), dash(i.mac), dash(i.master), dash(i.peer), i.source]),
    });
  }
  if (n.bridgePorts.length > 0) {
    out.push({ kind: 'heading', level: 3, text: 'Bridges' });
    out.push({ kind: 'table', columns: ['Bridge', 'Port', 'State'], rows: n.bridgePorts.map((b) => [b.bridge, b.port, dash(b.state)]) });
  }
  out.push({ kind: 'heading', level: 3, text: 'Routes' });
  if (n.routes.length === 0) out.push({ kind: 'paragraph', text: 'No route capture.' });
  else {
    out.push({
      kind: 'table',
      columns: ['Destination', 'Via', 'Dev', 'Src', 'Metric', 'Table', 'Source'],
      rows: n.routes.map((r) => [`${r.type !== 'unicast' ? `${r.type} ` : ''}${r.dst}`, dash(r.via), dash(r.dev), dash(r.src), dash(r.metric), r.table, r.source]),
    });
  }
  for (const ns of n.namespaces) {
    out.push({ kind: 'heading', level: 3, text: `Namespace ${ns.name}${ns.via ? ` (${ns.via})` : ''}` });
    if (ns.interfaces.length > 0) {
      out.push({ kind: 'table', columns: ['Interface', 'Addresses', 'Peer', 'Source'], rows: ns.interfaces.map((i) => [i.name, i.addresses.join(' ') || '-', dash(i.peer), i.source]) });
    }
    if (ns.routes.length > 0) {
      out.push({ kind: 'table', columns: ['Destination', 'Via', 'Dev', 'Source'], rows: ns.routes.map((r) => [r.dst, dash(r.via), dash(r.dev), r.source]) });
    }
  }
  return out;
}

function serviceBlocks(r: Report): Block[] {
  const out: Block[] = [{ kind: 'heading', level: 1, text: 'Kubernetes services' }];
  if (r.services.length === 0) {
    out.push({ kind: 'paragraph', text: 'No services: no kubectl output and no kube-proxy rules were captured.' });
    return out;
  }
  out.push({
    kind: 'table',
    columns: ['Service', 'Type', 'Frontends', 'Endpoints', 'Read from'],
    rows: r.services.map((s) => {
      const frontends = s.ports.flatMap((p) => [
        ...(s.clusterIP ? [`${s.clusterIP}:${p.port}/${p.protocol}`] : []),
        ...s.externalIPs.map((ip) => `${ip}:${p.port}/${p.protocol}`),
        ...(p.nodePort !== null ? [`NodePort ${p.nodePort}/${p.protocol}`] : []),
      ]);
      const endpoints = s.endpoints.map((e) => (e.port === null ? e.address : `${e.address}:${e.port}`));
      const from = [...s.origins, ...(s.programmedOn.length ? [`on ${s.programmedOn.join(', ')}`] : [])].join(' ');
      return [`${s.namespace}/${s.name}`, dash(s.type), frontends.join(' ') || '-', endpoints.join(' ') || 'none', from];
    }),
  });
  if (r.pods.length > 0) {
    out.push({ kind: 'heading', level: 2, text: 'Pods' });
    out.push({ kind: 'table', columns: ['Pod', 'IP', 'Node', 'Status'], rows: r.pods.map((p) => [`${p.namespace}/${p.name}`, dash(p.ip), dash(p.node), dash(p.status)]) });
  }
  return out;
}

function findingBlocks(r: Report): Block[] {
  const out: Block[] = [{ kind: 'heading', level: 1, text: 'Findings' }];
  if (r.findings.length === 0) out.push({ kind: 'paragraph', text: 'Nothing stood out in the captures.' });
  r.findings.forEach((f, i) => {
    const { title, detail } = findingText(f);
    out.push({ kind: 'heading', level: 3, text: `${i + 1}. ${title}` });
    out.push({ kind: 'paragraph', text: detail });
    const evidence = findingEvidence(f);
    if (evidence.length > 0) out.push({ kind: 'code', lines: evidence.flatMap((e) => [`# ${e.source}`, e.text]) });
  });
  for (const o of r.findingsOmitted) out.push({ kind: 'paragraph', text: `${o.count} more ${o.kind} findings not listed.` });
  return out;
}

function flowBlocks(r: Report): Block[] {
  const out: Block[] = [{ kind: 'heading', level: 1, text: 'NAT flows' }];
  const { total, shown, capped, limit } = r.flows;
  if (total === 0) {
    out.push({ kind: 'paragraph', text: 'No flows: no packet captures or conntrack listings were imported.' });
    return out;
  }
  out.push({
    kind: 'paragraph',
    text: capped ? `The first ${shown.length} of ${total} flows, by first time seen (capped at ${limit}; natlens flows lists them all).` : `${total} flows, by first time seen.`,
  });
  out.push({
    kind: 'table',
    columns: ['Flow', 'Proto', 'Original', 'Reply', 'NAT', 'Service', 'Packets', 'First seen'],
    rows: shown.map((f) => [String(f.id), f.proto, f.original, f.reply, f.nat.join('+') || '-', dash(f.service), String(f.packets), dash(f.firstSeen)]),
  });
  const rewritten = shown.filter((f) => f.rewrites.length > 0 || f.tcp !== null);
  if (rewritten.length > 0) {
    out.push({ kind: 'heading', level: 2, text: 'Rewrites and TCP events' });
    out.push({
      kind: 'code',
      lines: rewritten.flatMap((f) => [
        `flow ${f.id} ${f.proto} ${f.original}${f.tcp ? `  tcp: ${f.tcp}` : ''}`,
        ...f.rewrites.map((w) => `  ${w.node} ${w.kind.toUpperCase()} ${w.before} -> ${w.after} by ${w.by}${w.rule ? `: ${w.rule}` : ''}`),
      ]),
    });
  }
  return out;
}

export function reportDocument(r: Report): Block[] {
  const s = r.summary;
  const out: Block[] = [
    { kind: 'heading', level: 1, text: r.title },
    { kind: 'paragraph', text: `Generated ${r.generatedAt} from ${r.database}.` },
    { kind: 'heading', level: 2, text: 'Summary' },
    {
      kind: 'list',
      items: [
        `${count(s.nodes, 'node')}, ${count(s.captures, 'capture')}`,
        count(s.services, 'Kubernetes service'),
        count(s.flows, 'flow'),
        count(s.findings, 'finding'),
      ],
    },
    { kind: 'table', columns: ['Capture kind', 'Count'], rows: s.capturesByKind.map((k) => [k.kind, String(k.count)]) },
  ];
  if (r.warnings.length > 0) {
    out.push({ kind: 'heading', level: 2, text: 'Import warnings' });
    out.push({ kind: 'table', columns: ['Source', 'Warning'], rows: r.warnings.map((w) => [w.source, w.message]) });
    if (r.warningsOmitted > 0) out.push({ kind: 'paragraph', text: `${r.warningsOmitted} more warnings not listed.` });
  }
  out.push(...findingBlocks(r));
  out.push({ kind: 'heading', level: 1, text: 'Nodes' });
  for (const n of r.nodes) out.push(...nodeBlocks(n));
  out.push(...serviceBlocks(r));
  out.push(...flowBlocks(r));
  return out.map(clipped);
}

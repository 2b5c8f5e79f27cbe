/**
 * Real inputs the fuzzers start from, grouped by the parser that reads them: the lab transcripts (and the
 * shared ones) cut into units by the registry, the recorded kube-proxy dumps (and the shared conformance
 * dumps), the text/iptables/kubectl/lab fixtures (and the tcpdump-suite text renderings). The ../shared
 * corpora are used when present; the fuzz suites say so when they are not. Everything is read in place.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { TableName } from '../../src/core/netfilter/ruleset';
import { looksLikeIpAddr } from '../../src/core/capture/iproute/ip-addr';
import { looksLikeIptablesSave } from '../../src/core/capture/iptables/iptables-sniff';
import { looksLikeIpBrief } from '../../src/core/capture/iproute/ip-brief';
import { iprouteJsonKind } from '../../src/core/capture/iproute/iproute-json';
import { detectCaptureKind, splitTextCapture } from '../../src/core/capture/registry';
import type { TextInput } from '../../src/core/capture/text-input';
import { hasShared, sharedDir } from '../support/shared-corpus';

export type FuzzTarget =
  | 'iptables-save' | 'iptables-rules' | 'iptables-list' | 'ip-addr' | 'ifconfig' | 'ip-route' | 'route-table'
  | 'conntrack' | 'bridge' | 'kubectl' | 'tcpdump-text' | 'registry'
  | 'ip-brief' | 'ip-rule' | 'ip-neigh' | 'bridge-fdb' | 'iproute-json' | 'kernel-trace' | 'nft-ruleset' | 'probe';

export const FUZZ_TARGETS: readonly FuzzTarget[] = [
  'iptables-save', 'iptables-rules', 'iptables-list', 'ip-addr', 'ifconfig', 'ip-route', 'route-table',
  'conntrack', 'bridge', 'kubectl', 'tcpdump-text', 'registry',
  'ip-brief', 'ip-rule', 'ip-neigh', 'bridge-fdb', 'iproute-json', 'kernel-trace', 'nft-ruleset', 'probe',
];

/** One real input; `table`/`partial` carry what the transcript said about an `iptables -L` / `-S` listing. */
export interface Seed {
  input: TextInput;
  table: TableName | null;
  partial: boolean;
}

export type Corpus = Readonly<Record<FuzzTarget, readonly Seed[]>>;

/** File names as a user would give them from the repo root, so error messages read naturally. */
function relative(repoRoot: string, file: string): string {
  return path.relative(repoRoot, file);
}

function filesIn(dir: string, suffix: string): string[] {
  return readdirSync(dir).filter((n) => n.endsWith(suffix)).sort().map((n) => path.join(dir, n));
}

function targetOfKind(kind: string, text: string): FuzzTarget | null {
  if (iprouteJsonKind(text) !== null) return 'iproute-json';
  switch (kind) {
    case 'ip-addr': return looksLikeIpAddr(text) ? 'ip-addr' : looksLikeIpBrief(text) ? 'ip-brief' : 'ifconfig';
    // Kind iptables-save holds two texts: iptables-save dumps and `iptables -S` listings (iptables-rules.ts).
    case 'iptables-save': return looksLikeIptablesSave(text) ? 'iptables-save' : 'iptables-rules';
    case 'iptables-list': case 'ip-route': case 'route-table':
    case 'conntrack': case 'bridge': case 'kubectl': case 'tcpdump-text':
    case 'ip-rule': case 'ip-neigh': case 'bridge-fdb': case 'kernel-trace': case 'nft-ruleset': case 'probe':
      return kind;
    default: return null;
  }
}

/** The corpora in ../shared the seeds also come from when they are there (see test/support/shared-corpus.ts). */
export const SHARED_SEEDS = ['transcripts', 'kube-proxy-conformance', 'tcpdump-suite'] as const;

export function loadCorpus(repoRoot: string): Corpus {
  const shared = (corpus: (typeof SHARED_SEEDS)[number]): string | null => (hasShared(corpus, repoRoot) ? sharedDir(corpus, repoRoot) : null);
  const sharedFilesIn = (dir: string | null, suffix: string): string[] => (dir === null ? [] : filesIn(dir, suffix));
  const fixtures = path.join(repoRoot, 'test', 'fixtures');
  const corpus: Record<FuzzTarget, Seed[]> = {
    'iptables-save': [], 'iptables-rules': [], 'iptables-list': [], 'ip-addr': [], ifconfig: [], 'ip-route': [], 'route-table': [],
    conntrack: [], bridge: [], kubectl: [], 'tcpdump-text': [], registry: [],
    'ip-brief': [], 'ip-rule': [], 'ip-neigh': [], 'bridge-fdb': [], 'iproute-json': [], 'kernel-trace': [], 'nft-ruleset': [], probe: [],
  };
  const whole = (file: string): TextInput => ({ file: relative(repoRoot, file), text: readFileSync(file, 'utf8'), firstLine: 1 });

  const transcripts = [
    ...sharedFilesIn(shared('transcripts'), '.txt'),
    ...filesIn(path.join(fixtures, 'lab', 'transcripts'), '.txt'),
    path.join(fixtures, 'forms', 'transcript.txt'),
    ...filesIn(path.join(fixtures, 'probe'), '.txt'),
    ...filesIn(path.join(fixtures, 'probe', 'lab'), '.txt'),
  ];
  for (const file of transcripts) {
    const input = whole(file);
    corpus.registry.push({ input, table: null, partial: false });
    for (const unit of splitTextCapture(input).units) {
      const target = targetOfKind(unit.kind, unit.input.text);
      if (target !== null) corpus[target].push({ input: unit.input, table: unit.table, partial: unit.partial });
    }
  }

  const dumpRoots = [path.join(fixtures, 'kube-proxy'), shared('kube-proxy-conformance')].filter((d) => d !== null);
  for (const root of dumpRoots) {
    for (const dir of readdirSync(root).sort()) {
      if (dir.endsWith('.md')) continue;
      corpus['iptables-save'].push({ input: whole(path.join(root, dir, 'ruleset.iptables-save')), table: null, partial: false });
    }
  }

  const textFiles = [
    ...filesIn(path.join(fixtures, 'text'), '.txt'),
    ...filesIn(path.join(fixtures, 'iptables'), '.txt'),
    ...filesIn(path.join(fixtures, 'iptables'), '.rules'),
    ...filesIn(path.join(fixtures, 'kubectl'), '.txt'),
    ...filesIn(path.join(fixtures, 'kernel-trace'), '.txt'),
    ...filesIn(path.join(fixtures, 'nft'), '.nft'),
    ...filesIn(path.join(fixtures, 'nft', 'kube-proxy'), '.nft'),
    ...['nodea', 'nodeb'].flatMap((n) => filesIn(path.join(fixtures, 'lab', 'nodes', n), '.txt')),
  ];
  for (const file of textFiles) {
    const input = whole(file);
    const kind = detectCaptureKind(input.text);
    const target = kind === null ? null : targetOfKind(kind, input.text);
    if (target === null) continue;
    corpus[target].push({ input, table: /-nat-/.test(file) ? 'nat' : null, partial: false });
    corpus.registry.push({ input, table: null, partial: false });
  }

  // Every form of one ruleset (test/fixtures/forms): the table is in the file name (`S-nat.txt`, `Lnv-raw.txt`).
  for (const file of filesIn(path.join(fixtures, 'forms'), '.txt')) {
    if (file.endsWith('transcript.txt')) continue;
    const input = whole(file);
    const kind = detectCaptureKind(input.text);
    const target = kind === null ? null : targetOfKind(kind, input.text);
    if (target === null) continue;
    const table = /-(raw|mangle|nat|filter)[.]/.exec(path.basename(file))?.[1] as TableName | undefined;
    corpus[target].push({ input, table: table ?? (target === 'iptables-rules' ? 'filter' : null), partial: true });
  }
  // The kernel captures' tcpdump renderings (test/fixtures/pcap), five link types: each whole, and cut into
  // single packet lines at their real line numbers, so mutations also meet inputs as short as one pasted packet.
  // The overlay captures' renderings too: VXLAN/OTV inner packets on the next line, Geneve and IPIP on the same one.
  [...filesIn(path.join(fixtures, 'pcap'), '.txt'), ...filesIn(path.join(fixtures, 'pcap-overlay'), '.txt')].forEach((file) => {
    const input = whole(file);
    corpus['tcpdump-text'].push({ input, table: null, partial: false });
    const lines = input.text.split('\n');
    const step = Math.max(1, Math.floor(lines.length / 24));
    for (let at = 0; at + 2 <= lines.length; at += step) {
      // Each piece is one packet line (a timestamp opens it), never the continuation line of one.
      const start = lines.findIndex((l, i) => i >= at && /^\d/.test(l));
      if (start < 0) break;
      corpus['tcpdump-text'].push({ input: { file: input.file, text: lines.slice(start, start + 1).join('\n'), firstLine: start + 1 }, table: null, partial: false });
      at = start + 1 - step;
    }
  });

  // tcpdump-suite renderings: small, many link types; a few go to the registry as whole files.
  const suite = sharedFilesIn(shared('tcpdump-suite'), '.tcpdump.txt');
  suite.forEach((file, i) => {
    const input = whole(file);
    if (input.text.trim() === '') return;
    corpus['tcpdump-text'].push({ input, table: null, partial: false });
    if (i % 8 === 0) corpus.registry.push({ input, table: null, partial: false });
  });
  return corpus;
}

/**
 * Real inputs the fuzzers start from, grouped by the parser that reads them: the shared transcripts and
 * the lab transcripts cut into units by the registry, the conformance dumps, the text/iptables/lab fixtures
 * and tcpdump-suite text renderings. Everything is read in place.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { TableName } from '../../src/core/netfilter/ruleset';
import { looksLikeIpAddr } from '../../src/core/capture/ip-addr';
import { looksLikeIptablesSave } from '../../src/core/capture/iptables-sniff';
import { looksLikeIpBrief } from '../../src/core/capture/ip-brief';
import { iprouteJsonKind } from '../../src/core/capture/iproute-json';
import { detectCaptureKind, splitTextCapture } from '../../src/core/capture/registry';
import type { TextInput } from '../../src/core/capture/text-input';

export type FuzzTarget =
  | 'iptables-save' | 'iptables-rules' | 'iptables-list' | 'ip-addr' | 'ifconfig' | 'ip-route' | 'route-table'
  | 'conntrack' | 'bridge' | 'kubectl' | 'tcpdump-text' | 'registry'
  | 'ip-brief' | 'ip-rule' | 'ip-neigh' | 'bridge-fdb' | 'iproute-json';

export const FUZZ_TARGETS: readonly FuzzTarget[] = [
  'iptables-save', 'iptables-rules', 'iptables-list', 'ip-addr', 'ifconfig', 'ip-route', 'route-table',
  'conntrack', 'bridge', 'kubectl', 'tcpdump-text', 'registry',
  'ip-brief', 'ip-rule', 'ip-neigh', 'bridge-fdb', 'iproute-json',
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
    case 'ip-rule': case 'ip-neigh': case 'bridge-fdb':
      return kind;
    default: return null;
  }
}

export function loadCorpus(repoRoot: string): Corpus {
  const shared = path.resolve(repoRoot, '..', 'shared');
  const fixtures = path.join(repoRoot, 'test', 'fixtures');
  const corpus: Record<FuzzTarget, Seed[]> = {
    'iptables-save': [], 'iptables-rules': [], 'iptables-list': [], 'ip-addr': [], ifconfig: [], 'ip-route': [], 'route-table': [],
    conntrack: [], bridge: [], kubectl: [], 'tcpdump-text': [], registry: [],
    'ip-brief': [], 'ip-rule': [], 'ip-neigh': [], 'bridge-fdb': [], 'iproute-json': [],
  };
  const whole = (file: string): TextInput => ({ file: relative(repoRoot, file), text: readFileSync(file, 'utf8'), firstLine: 1 });

  const transcripts = [
    ...filesIn(path.join(shared, 'captures', 'transcripts'), '.txt'),
    ...filesIn(path.join(fixtures, 'lab', 'transcripts'), '.txt'),
    path.join(fixtures, 'forms', 'transcript.txt'),
  ];
  for (const file of transcripts) {
    const input = whole(file);
    corpus.registry.push({ input, table: null, partial: false });
    for (const unit of splitTextCapture(input).units) {
      const target = targetOfKind(unit.kind, unit.input.text);
      if (target !== null) corpus[target].push({ input: unit.input, table: unit.table, partial: unit.partial });
    }
  }

  const conformance = path.join(shared, 'conformance', 'kube-proxy');
  for (const dir of readdirSync(conformance).sort()) {
    if (dir.endsWith('.md')) continue;
    corpus['iptables-save'].push({ input: whole(path.join(conformance, dir, 'ruleset.iptables-save')), table: null, partial: false });
  }

  const textFiles = [
    ...filesIn(path.join(fixtures, 'text'), '.txt'),
    ...filesIn(path.join(fixtures, 'iptables'), '.txt'),
    ...filesIn(path.join(fixtures, 'iptables'), '.rules'),
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

  // tcpdump-suite renderings: small, many link types; a few go to the registry as whole files.
  const suite = filesIn(path.join(shared, 'captures', 'tcpdump-suite'), '.tcpdump.txt');
  suite.forEach((file, i) => {
    const input = whole(file);
    if (input.text.trim() === '') return;
    corpus['tcpdump-text'].push({ input, table: null, partial: false });
    if (i % 8 === 0) corpus.registry.push({ input, table: null, partial: false });
  });
  return corpus;
}

/**
 * The streamed iptables-save import against the text path it stands in for: the same dump must leave the
 * same project behind either way, and whatever the stream does not take must reach the text path untouched.
 */
import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import type { Store } from '../model/store';
import type { RulesetTape } from '../model/ruleset-tape';
import { chainPlaces } from '../model/rows/chain-heads';
import type { CaptureReaders } from './capture-readers';
import { readDumpFile, type DumpFileRead } from './dump-file-read';
import { prewarmDumpReader, readDumpFileThreaded, useDumpReaderWorker } from './dump-reader-thread';
import { importPathsWith } from './import-pipeline';
import { captureReaders } from './import-paths';
import type { ImportReport } from './import-report';
import { writeKubeProxyDump } from '../../../scripts/bench/kube-proxy-dump.mjs';
import { describeShared } from '../../../test/support/describe-shared';
import { sharedDir } from '../../../test/support/shared-corpus';
import { useTempProject } from '../../../test/support/temp-project';

/** kube-proxy dumps: natlens's own, recorded from the kernel, and kube-proxy's (../shared) when present. */
const OWN_DUMPS = path.join('test', 'fixtures', 'kube-proxy');
const dumpsIn = (root: string): string[] => fs.readdirSync(root).filter((d) => fs.existsSync(path.join(root, d, 'ruleset.iptables-save')));
const WORKER = path.join(process.cwd(), 'out', 'cli', 'dump-reader-worker.cjs');

const textOnly: CaptureReaders = { ...captureReaders, readDumpFile: undefined };

/** The real readers, noting what each streamed read answered. */
function streaming(reads: Array<DumpFileRead['kind']>): CaptureReaders {
  return {
    ...captureReaders,
    readDumpFile: (readPath, shownAs, size, onTape, onBytes) => {
      const read = readDumpFile(readPath, shownAs, onTape, onBytes);
      reads.push(read.kind);
      return read;
    },
  };
}

const project = useTempProject('dump-import');
let storesMade = 0;

function freshStore(): Store {
  return project().store(`p${storesMade++}.db`);
}

/** Everything an import leaves in the project, without row ids. */
function contents(store: Store): unknown {
  const rows = (sql: string): unknown[] => store.db.prepare(sql).all();
  const captures = rows(
    `SELECT c.id, n.name AS node, c.kind, c.source_file, c.first_line, c.last_line, c.command, c.partial, c.content_hash,
            c.taken_at, c.records, c.snapshot, c.detail, s.sha256, s.size, s.path
     FROM captures c JOIN nodes n ON n.id = c.node_id LEFT JOIN sources s ON s.id = c.source_id ORDER BY c.id`,
  ) as Array<{ id: number }>;
  return {
    captures: captures.map(({ id, ...c }) => ({
      ...c,
      rulesets: store.rulesetsOf(id),
      rulesetRows: rows(`SELECT family, format, interfaces_shown, counters_shown, partial FROM rulesets WHERE capture_id = ${id}`),
      rules: runsOf(store, id),
      services: store.services(id),
      endpoints: store.endpoints(id),
    })),
    textBlocks: rows('SELECT node, source_file, first_line, last_line, reason FROM text_blocks ORDER BY id'),
  };
}

/**
 * A capture's rule runs as table, chain, position and count, in chain and position order, a chain's runs that follow
 * on from each other as one: where a run ends depends on where the chunks were cut, which a streamed dump (in file
 * order) and the text path (table by table) do differently once a ruleset takes more than one.
 */
function runsOf(store: Store, captureId: number): unknown[] {
  const place = chainPlaces(store.db, store.path, captureId);
  const runs = store.db
    .prepare('SELECT r.chain_id, r.position, r.count FROM rule_runs r JOIN rule_chunks k ON k.id = r.chunk_id JOIN rulesets rs ON rs.id = k.ruleset_id WHERE rs.capture_id = ? ORDER BY r.chain_id, r.position')
    .raw(true)
    .all(captureId) as Array<[number, number, number]>;
  const merged: Array<[number, number, number]> = [];
  for (const [chainId, position, count] of runs) {
    const last = merged.at(-1);
    if (last !== undefined && last[0] === chainId && last[1] + last[2] === position) last[2] += count;
    else merged.push([chainId, position, count]);
  }
  return merged.map(([chainId, position, count]) => ({ tbl: place(chainId)?.table, chain: place(chainId)?.chain, position, count }));
}

/** Tapes with their chunks' bytes as base64: a tape crosses threads as a Uint8Array, not a Buffer. */
function comparable(tapes: RulesetTape[]): unknown[] {
  return tapes.flat().map((e) => (e instanceof Uint8Array ? Buffer.from(e).toString('base64') : e));
}

/** Imports `files` in turn, once streamed and once as text, into two fresh projects. */
function bothWays(files: string[], node: string | null = 'n'): {
  streamed: { store: Store; reports: ImportReport[] }; text: { store: Store; reports: ImportReport[] }; reads: Array<DumpFileRead['kind']>;
} {
  const reads: Array<DumpFileRead['kind']> = [];
  const run = (readers: CaptureReaders): { store: Store; reports: ImportReport[] } => {
    const store = freshStore();
    return { store, reports: files.map((f) => importPathsWith(readers, store, [f], { node })) };
  };
  return { streamed: run(streaming(reads)), text: run(textOnly), reads };
}

function expectSame(files: string[], node: string | null = 'n'): Array<DumpFileRead['kind']> {
  const { streamed, text, reads } = bothWays(files, node);
  const ids = (r: ImportReport): ImportReport => ({ ...r, nodes: r.nodes.map((n) => ({ ...n, captures: n.captures.map((c) => ({ ...c, id: 0 })) })) });
  expect(streamed.reports.map(ids)).toEqual(text.reports.map(ids));
  expect(contents(streamed.store)).toEqual(contents(text.store));
  return reads;
}

function write(name: string, text: string): string {
  return project().write(name, text);
}

function writeBytes(name: string, bytes: Buffer): string {
  const file = project().file(name);
  fs.writeFileSync(file, bytes);
  return file;
}

const NODE_PORT = path.join(OWN_DUMPS, 'LabNodePort', 'ruleset.iptables-save');
const nodePortDump = (): string => fs.readFileSync(NODE_PORT, 'utf8');

describe('streamed iptables-save import', () => {
  it.each(dumpsIn(OWN_DUMPS))('stores %s as the text path does', (test) => {
    expect(expectSame([path.join(OWN_DUMPS, test, 'ruleset.iptables-save')])).toEqual(['dump']);
  });

  it('hashes and places the capture as the text path does around blank lines, spaces, CRLF and a missing final line break', () => {
    const body = nodePortDump().trimEnd();
    const crlf = (t: string): string => t.replace(/\n/g, '\r\n');
    const variants = [
      `\n\n  \n${body}\n`, `${body}   `, `${body}\n\n \t\n`, `# first\n\n${body.replace(/\nCOMMIT\n/, '\nCOMMIT\n\n\n')}\n`,
      crlf(`${body}\n`), crlf(`\n \n${body}\n\n`), crlf(body), `${crlf(body.slice(0, 200))}${body.slice(200)}\n`,
    ];
    const files = variants.map((v, i) => write(`v${i}.save`, v));
    expect(expectSame(files)).toEqual(variants.map(() => 'dump'));
  });

  it('finds kube-proxy services in the nat table only, as the text path does', () => {
    // A filter chain named like kube-proxy's entry chain, jumping to one named like a service chain.
    const filter = [
      '*filter', ':INPUT ACCEPT [0:0]', ':KUBE-SERVICES - [0:0]', ':KUBE-SVC-AAAAAAAAAAAAAAAA - [0:0]',
      '-A KUBE-SERVICES -d 10.0.0.99/32 -p tcp -m comment --comment "other/decoy:http cluster IP" -m tcp --dport 81 -j KUBE-SVC-AAAAAAAAAAAAAAAA',
      'COMMIT', '',
    ].join('\n');
    const file = write('filter-decoy.save', filter + nodePortDump().replace(/^\*filter\n[\s\S]*?\nCOMMIT\n/m, ''));
    expect(expectSame([file])).toEqual(['dump']);
  });

  it('ties a service to an endpoint chain declared after the rules that jump to it, as the text path does', () => {
    const lines = nodePortDump().split('\n');
    const sep = lines.filter((l) => /^(:|-A )KUBE-SEP-/.test(l));
    const rest = lines.filter((l) => !/^(:|-A )KUBE-SEP-/.test(l));
    const commit = rest.lastIndexOf('COMMIT');
    const file = write('sep-last.save', [...rest.slice(0, commit), ...sep, ...rest.slice(commit)].join('\n'));
    expect(expectSame([file])).toEqual(['dump']);
    const { streamed } = bothWays([file]);
    expect(streamed.store.endpoints(1).map((e) => `${e.address}:${e.port}`)).toEqual(['10.244.1.11:8080', '10.244.2.10:8080']);
  });

  it("keeps each table's chains its own: jumps to a chain only another table declares are warned about, as the text path does", () => {
    const dump = [
      '*filter', ':INPUT ACCEPT [0:0]', ':ONLY-FILTER - [0:0]', ':BOTH - [0:0]', '-A INPUT -j ONLY-FILTER', '-A BOTH -j ONLY-FILTER', 'COMMIT',
      '*nat', ':PREROUTING ACCEPT [0:0]', ':BOTH - [0:0]',
      '-A PREROUTING -j ONLY-FILTER', '-A PREROUTING -j BOTH', '-A PREROUTING -g LATER', '-A PREROUTING -j NEVER', '-A BOTH -j ONLY-FILTER',
      ':LATER - [0:0]', '-A LATER -j RETURN', 'COMMIT', '',
    ].join('\n');
    const file = write('tables.save', dump);
    expect(expectSame([file])).toEqual(['dump']);
    const { streamed } = bothWays([file]);
    expect(streamed.reports[0]!.warnings.map((w) => w.message)).toEqual([
      'iptables-save: -j ONLY-FILTER: no chain ONLY-FILTER in table nat (kept as a jump)',
      'iptables-save: -j NEVER: no chain NEVER in table nat (kept as a jump)',
    ]);
    // A rule appended in nat to a chain only filter declares is refused at its line.
    const appended = write('appended.save', dump.replace('-A LATER -j RETURN', '-A ONLY-FILTER -j RETURN'));
    expect(expectSame([appended])).toEqual(['not-plain']);
  });

  it('leaves to the text path what is not a plain dump, with the same outcome', () => {
    const dump = nodePortDump();
    const files = [
      write('cr.save', dump.replace(/\n/g, '\r')),
      write('cr-inside.save', dump.replace('"default/web-np:http cluster IP"', '"default/web-np:http\rcluster IP"')),
      write('cr-last.save', `${dump.trimEnd()}\r`),
      // Bytes that are not UTF-8: the text path reads U+FFFD.
      writeBytes('latin1.save', Buffer.from(dump.replace('"default/web-np:http cluster IP"', '"default/web-np:http cl\xfcster IP"'), 'latin1')),
      write('insert.save', dump.replace(/\nCOMMIT\n(?![\s\S]*\nCOMMIT\n)/, '\n-I KUBE-SERVICES 1 -j RETURN\nCOMMIT\n')),
      write('redeclared.save', dump.replace(/\n(:KUBE-SERVICES - \[0:0\])\n/, '\n$1\n$1\n')),
      write('broken.save', dump.replace(/\n-A /, '\n-A NOPE ')),
      write('uncommitted.save', dump.trimEnd().replace(/COMMIT$/, '')),
      write('transcript.save', `${dump}root@node-a:~# ip route\ndefault via 10.0.0.1 dev eth0\n`),
    ];
    const reads = expectSame(files);
    expect(reads).toEqual(files.map(() => 'not-plain'));
    // A byte-order mark: the text path reads the text without it (the importer does not even try the dump reader).
    const bom = writeBytes('bom.save', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(dump)]));
    expect(expectSame([bom])).toEqual([]);
    expect(readDumpFile(bom, 'bom.save', () => undefined)).toEqual({ kind: 'not-plain', reason: 'a byte-order mark' });
  });

  it('reads lines past ASCII as text, one by one, and the rest of the dump from its bytes, with the text path\'s outcome', () => {
    const dump = nodePortDump();
    const lines = dump.split('\n');
    const at = lines.findIndex((l) => l.startsWith('-A KUBE-SERVICES '));
    const handWritten = [
      ':ÉQUIPE-✓ - [0:0]',
      '-A ÉQUIPE-✓ -s 10.9.0.0/16 -m comment --comment "équipe réseau ✓ 😀" -j ACCEPT',
      '-A ÉQUIPE-✓ -m comment --comment "a\u2028b" -j RETURN',
    ];
    // kube-proxy's own comment with a letter past ASCII, and a chain of UTF-8 name and comments declared mid-table.
    const withUtf8 = [...lines.slice(0, at), ...handWritten, ...lines.slice(at)].join('\n').replace('"default/web-np:http cluster IP"', '"default/web-np:http clüster IP"');
    const files = [
      write('utf8.save', withUtf8),
      write('utf8-crlf.save', withUtf8.replaceAll('\n', '\r\n')),
      write('utf8-first.save', `# Généré à la main\n${dump}`),
      write('utf8-last.save', `${dump}# fin ✓`),
    ];
    expect(expectSame(files)).toEqual(files.map(() => 'dump'));
  });

  it('reads a UTF-8 line cut by the end of a 1 MiB piece as the text path does', () => {
    const file = project().file('kube-proxy-utf8.save');
    writeKubeProxyDump(file, 500, 5);
    const text = fs.readFileSync(file, 'latin1');
    // A hand-written rule whose 2-byte letters straddle the first piece's end, in the chain of the rule it goes after.
    const cut = text.lastIndexOf('\n-A ', (1 << 20) - 20) + 1;
    const chain = text.slice(cut + 3, text.indexOf(' ', cut + 3));
    const rule = Buffer.from(`-A ${chain} -m comment --comment "${'é'.repeat(40)}" -j RETURN\n`);
    const bytes = Buffer.concat([Buffer.from(text.slice(0, cut), 'latin1'), rule, Buffer.from(text.slice(cut), 'latin1')]);
    expect(cut).toBeLessThan(1 << 20);
    expect(cut + rule.length).toBeGreaterThan(1 << 20);
    fs.writeFileSync(file, bytes);
    expect(expectSame([file])).toEqual(['dump']);
  });

  it('names the node from the file as the text path does when --node is not given', () => {
    const file = write('worker-7.iptables-save', nodePortDump());
    expect(expectSame([file], null)).toEqual(['dump']);
  });

  it('stores the same dump once, and under a second node as a second capture of the known source', () => {
    const file = NODE_PORT;
    const { streamed } = bothWays([file, file]);
    expect(streamed.reports[1].warnings).toEqual([
      { source: `${file}:1`, message: 'iptables-save already imported as capture 1 of node n; not stored again', lines: [1, expect.any(Number)] },
    ]);
    expect(streamed.store.count('captures')).toBe(1);
    expectSame([file, file]);
    const store = freshStore();
    const reads: Array<DumpFileRead['kind']> = [];
    importPathsWith(streaming(reads), store, [file], { node: 'a' });
    importPathsWith(streaming(reads), store, [file], { node: 'b' });
    expect(store.count('captures')).toBe(2);
    expect(store.count('sources')).toBe(1);
  });

  it('reads a dump in a worker thread exactly as on the calling thread', () => {
    const file = project().file('kube-proxy.save');
    writeKubeProxyDump(file, 1000, 5);
    const size = fs.statSync(file).size;
    expect(size).toBeGreaterThan(2 * 1024 * 1024);
    const here: RulesetTape[] = [];
    const there: RulesetTape[] = [];
    const bytes: number[] = [];
    const local = readDumpFile(file, 'k', (t) => here.push(t));
    const threaded = readDumpFileThreaded(file, 'k', size, (t) => there.push(t), (n) => bytes.push(n), WORKER);
    expect(threaded).toEqual(local);
    expect(comparable(there)).toEqual(comparable(here));
    expect(bytes.at(-1)).toBe(size);
    expect(local.kind === 'dump' && local.summary.rules).toBeGreaterThan(10_000);
  });

  it('hands a read to the thread started ahead for it, and starts none for small files or packet captures', () => {
    const file = project().file('kube-proxy.save');
    writeKubeProxyDump(file, 1000, 5);
    const small = write('small.save', '*nat\nCOMMIT\n');
    const here: RulesetTape[] = [];
    const there: RulesetTape[] = [];
    const local = readDumpFile(file, 'k', (t) => here.push(t));
    useDumpReaderWorker(path.dirname(WORKER));
    try {
      expect(prewarmDumpReader([small, project().file('missing.save')])).toBe(false);
      // A pcap is read on the importing thread, however large.
      const pcap = project().file('big.pcap');
      const bytes = Buffer.alloc(3 * 1024 * 1024);
      bytes.writeUInt32LE(0xa1b2c3d4, 0);
      fs.writeFileSync(pcap, bytes);
      expect(prewarmDumpReader([small, pcap])).toBe(false);
      expect(prewarmDumpReader([small, file])).toBe(true);
      expect(readDumpFileThreaded(file, 'k', fs.statSync(file).size, (t) => there.push(t))).toEqual(local);
      expect(comparable(there)).toEqual(comparable(here));
    } finally {
      useDumpReaderWorker(project().dir);
    }
    expect(prewarmDumpReader([file])).toBe(false);
  });

  it('answers not-plain from the worker for a file it cannot read, without waiting', () => {
    const read = readDumpFileThreaded(project().file('missing.save'), 'missing.save', 4 * 1024 * 1024, () => undefined, undefined, WORKER);
    expect(read.kind).toBe('not-plain');
  });

  it('answers not-plain, without waiting or an unhandled error, when the worker dies (here while loading)', async () => {
    const file = project().file('kube-proxy.save');
    writeKubeProxyDump(file, 1000, 5);
    const broken = write('broken-worker.cjs', "throw new Error('cannot load');\n");
    const read = readDumpFileThreaded(file, 'k', fs.statSync(file).size, () => undefined, undefined, broken);
    expect(read).toEqual({ kind: 'not-plain', reason: 'the thread reading k stopped before it finished' });
    // Late events of the dead worker must not surface as unhandled errors in the turns that follow.
    await new Promise((resolve) => setTimeout(resolve, 100));
  });
});

describeShared('kube-proxy-conformance', 'streamed iptables-save import of the kube-proxy conformance dumps', () => {
  const root = sharedDir('kube-proxy-conformance');
  it.each(dumpsIn(root))('stores %s as the text path does', (test) => {
    expect(expectSame([path.join(root, test, 'ruleset.iptables-save')])).toEqual(['dump']);
  });
});

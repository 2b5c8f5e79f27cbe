/** Archives as import PATHs: collector tarballs (one node, timed from the manifest), plain tar/zip archives, and refusals. */
import { describe, it, expect, beforeEach } from 'vitest';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { zipSync, strToU8 } from 'fflate';
import { create as createTar } from 'tar';
import { Store } from '../model/store';
import { importPaths } from './import-paths';
import { walkInputs } from './input-walk';
import { unpackArchive } from './archive';
import { useTempProject } from '../../../test/support/temp-project';

const fixture = (name: string): string => fs.readFileSync(path.join('test', 'fixtures', 'text', name), 'utf8');
const iptablesSave = (): string => fs.readFileSync(path.join('test', 'fixtures', 'iptables', 'rich.kernel-save.txt'), 'utf8');

const project = useTempProject('archive-test');
let dir: string;
let store: Store;
beforeEach(() => {
  dir = project().dir;
  store = project().store();
});

/** Writes `files` under dir/src/<top> and packs them as collect.sh would (`tar -czf X -C src top`). */
function tarball(name: string, top: string, files: Record<string, string>): string {
  const src = path.join(dir, 'src', name);
  for (const [rel, text] of Object.entries(files)) {
    const target = path.join(src, top, rel);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, text);
  }
  const out = path.join(dir, name);
  createTar({ file: out, gzip: name.endsWith('gz'), sync: true, cwd: src, portable: true }, [top]);
  return out;
}

function zip(name: string, files: Record<string, string>): string {
  const out = path.join(dir, name);
  fs.writeFileSync(out, zipSync(Object.fromEntries(Object.entries(files).map(([k, v]) => [k, strToU8(v)]))));
  return out;
}

/** A ustar archive whose one entry is named `entryName` verbatim (tar's own packer would refuse `..`). */
function rawTar(name: string, entryName: string, body: string): string {
  const header = Buffer.alloc(512);
  header.write(entryName, 0, 100, 'utf8');
  header.write('0000644\0', 100);
  header.write('0000000\0', 108);
  header.write('0000000\0', 116);
  header.write(`${Buffer.byteLength(body).toString(8).padStart(11, '0')}\0`, 124);
  header.write('00000000000\0', 136);
  header.write('        ', 148);
  header.write('0', 156);
  header.write('ustar\x0000', 257, 'latin1');
  let sum = 0;
  for (const b of header) sum += b;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  const data = Buffer.alloc(Math.ceil(Buffer.byteLength(body) / 512) * 512);
  data.write(body);
  const out = path.join(dir, name);
  fs.writeFileSync(out, Buffer.concat([header, data, Buffer.alloc(1024)]));
  return out;
}

const MANIFEST = [
  'natlens-collect\t1',
  'host\tworker-7',
  'kernel\t6.1.0-18-amd64',
  'time\t2026-03-01T10:00:00Z',
  'file\tstatus\texit\tstarted\tversion\tnetns\tcommand',
  'ip/addr.txt\tok\t0\t2026-03-01T10:00:01.250Z\tip utility, iproute2-6.1.0\t-\tip -d addr',
  'ip/route.txt\tok\t0\t2026-03-01T10:00:02Z\tip utility, iproute2-6.1.0\t-\tip route show table all',
  'ip/rule.txt\tok\t0\t2026-03-01T10:00:03Z\tip utility, iproute2-6.1.0\t-\tip rule',
  'netfilter/iptables-nft-save.txt\tok\t0\t2026-03-01T10:00:04Z\tiptables-nft-save v1.8.9 (nf_tables)\t-\tiptables-nft-save',
  '-\tmissing\t127\t2026-03-01T10:00:05Z\t-\t-\tnft list ruleset',
  'conntrack/conntrack.txt\tfailed\t1\t2026-03-01T10:00:06Z\tconntrack v1.4.7\t-\tconntrack -L',
  'netns/blue/addr.txt\tok\t0\t2026-03-01T10:00:07Z\tip utility, iproute2-6.1.0\tblue\tip -n blue -d addr',
  'netfilter/ipset.txt\tok\t0\t2026-03-01T10:00:08Z\tipset v7.17\t-\tipset list',
  'sysctl.txt\tok\t0\t2026-03-01T10:00:09Z\tsysctl from procps-ng 4.0.2\t-\tsysctl net.ipv4.ip_forward net.ipv4.conf.all.rp_filter',
  'notes.txt\tok\t0\t2026-03-01T10:00:10Z\tprocps-ng 4.0.2\t-\tuptime',
  '',
].join('\n');

function collectorTarball(name = 'natlens-collect-worker-7.tar.gz'): string {
  return tarball(name, 'natlens-collect-worker-7-20260301T100000Z', {
    'manifest.tsv': MANIFEST,
    'ip/addr.txt': fixture('ip-addr.txt'),
    'ip/route.txt': fixture('ip-route.txt'),
    'ip/rule.txt': '0:\tfrom all lookup local\n32766:\tfrom all lookup main\n32767:\tfrom all lookup default\n',
    'netfilter/iptables-nft-save.txt': iptablesSave(),
    'conntrack/conntrack.txt': '',
    'conntrack/conntrack.txt.stderr': 'conntrack v1.4.7 (conntrack-tools): Operation failed: Protocol not supported\n',
    'netns/blue/addr.txt': fixture('ip-addr-client.txt'),
    'netfilter/ipset.txt': '',
    'sysctl.txt': 'net.ipv4.ip_forward = 1\nnet.ipv4.conf.all.rp_filter = 2\n',
    'notes.txt': ' 10:00:10 up 12 days,  3:04,  1 user,  load average: 0.08, 0.03, 0.01\n',
  });
}

describe('a collector tarball', () => {
  it('is one node named by the manifest host, each capture timed by its command and cited as archive!/path:line', () => {
    const archive = collectorTarball();
    const report = importPaths(store, [archive]);
    expect(report.errors).toEqual([]);
    expect(report.nodes.map((n) => n.name)).toEqual(['worker-7']);
    const captures = report.nodes[0]!.captures;
    const bundle = `${archive}!/natlens-collect-worker-7-20260301T100000Z`;
    expect(captures.map((c) => [c.kind, c.source, c.takenAt, c.netns])).toEqual([
      ['ip-addr', `${bundle}/ip/addr.txt:1`, '2026-03-01T10:00:01.250Z', null],
      ['ip-route', `${bundle}/ip/route.txt:1`, '2026-03-01T10:00:02Z', null],
      ['ip-rule', `${bundle}/ip/rule.txt:1`, '2026-03-01T10:00:03Z', null],
      ['iptables-save', `${bundle}/netfilter/iptables-nft-save.txt:1`, '2026-03-01T10:00:04Z', null],
      ['ip-addr', `${bundle}/netns/blue/addr.txt:1`, '2026-03-01T10:00:07Z', 'blue'],
      ['sysctl', `${bundle}/sysctl.txt:1`, '2026-03-01T10:00:09Z', null],
    ]);
    expect(captures.every((c) => c.records > 0)).toBe(true);
  });

  it('says which tools were missing or failed, and keeps output it does not read as text with a warning naming the file', () => {
    const archive = collectorTarball();
    const report = importPaths(store, [archive]);
    const bundle = `${archive}!/natlens-collect-worker-7-20260301T100000Z`;
    expect(report.warnings).toEqual(expect.arrayContaining([
      { source: `${bundle}/manifest.tsv:10`, message: '`nft list ruleset` was not run: nft is not installed on the node' },
      {
        source: `${bundle}/manifest.tsv:11`,
        message: '`conntrack -L` failed with exit code 1: conntrack v1.4.7 (conntrack-tools): Operation failed: Protocol not supported',
      },
      { source: `${bundle}/notes.txt:1`, message: expect.stringMatching(/`uptime`.*not a capture natlens reads.*1 line; kept as text/), lines: [1, 1] },
    ]));
    // The stderr file is the failure's message, not a capture; empty outputs are recorded by the manifest alone.
    expect(report.warnings.filter((w) => w.source.includes('.stderr') || w.source.includes('ipset'))).toEqual([]);
    expect(store.count('text_blocks')).toBe(1);
  });

  it('without a host in its manifest goes to a node named after the archive, and says so', () => {
    const archive = tarball('my captures.tgz', 'bundle', {
      'manifest.tsv': MANIFEST.replace('host\tworker-7\n', ''),
      'ip/addr.txt': fixture('ip-addr.txt'),
    });
    const report = importPaths(store, [archive]);
    expect(report.nodes.map((n) => n.name)).toEqual(['my captures']);
    expect(report.warnings).toContainEqual({ source: `${archive}!/bundle/manifest.tsv:2`, message: 'the manifest names no host; its captures go to node my captures' });
  });

  it('warns when both iptables backends hold rules, which the kernel applies together', () => {
    const manifest = MANIFEST.replace('netfilter/iptables-nft-save.txt\tok', 'netfilter/iptables-legacy-save.txt\tok\t0\t2026-03-01T10:00:03.500Z\tiptables-legacy-save v1.8.9 (legacy)\t-\tiptables-legacy-save\nnetfilter/iptables-nft-save.txt\tok');
    const legacy = '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n-A FORWARD -i docker0 -j ACCEPT\nCOMMIT\n';
    const archive = tarball('mixed.tgz', 'b', { 'manifest.tsv': manifest, 'netfilter/iptables-legacy-save.txt': legacy, 'netfilter/iptables-nft-save.txt': iptablesSave() });
    const report = importPaths(store, [archive]);
    const nftRules = (iptablesSave().match(/^(\[\d+:\d+\] )?-A /gm) ?? []).length;
    expect(nftRules).toBeGreaterThan(10);
    expect(report.warnings).toContainEqual({
      source: `${archive}!/b/netfilter/iptables-nft-save.txt`,
      message: `both iptables backends hold rules (iptables-legacy-save: 1, iptables-nft-save: ${nftRules}); the kernel applies both, natlens replays the newest dump of the node (iptables-save's)`,
    });
    expect(importPaths(store, [collectorTarball('single.tgz')]).warnings.filter((w) => w.message.includes('both iptables'))).toEqual([]);
  });

  it('unpacked into a folder (tar -xzf) reads as the tarball does', () => {
    const archive = collectorTarball();
    const out = path.join(dir, 'untarred');
    fs.mkdirSync(out);
    execFileSync('tar', ['-xzf', archive, '-C', out]);
    const report = importPaths(store, [out]);
    expect(report.errors).toEqual([]);
    expect(report.nodes.map((n) => n.name)).toEqual(['worker-7']);
    const bundle = path.join(out, 'natlens-collect-worker-7-20260301T100000Z');
    expect(report.nodes[0]!.captures.map((c) => [c.source, c.takenAt, c.netns])).toEqual([
      [`${bundle}/ip/addr.txt:1`, '2026-03-01T10:00:01.250Z', null],
      [`${bundle}/ip/route.txt:1`, '2026-03-01T10:00:02Z', null],
      [`${bundle}/ip/rule.txt:1`, '2026-03-01T10:00:03Z', null],
      [`${bundle}/netfilter/iptables-nft-save.txt:1`, '2026-03-01T10:00:04Z', null],
      [`${bundle}/netns/blue/addr.txt:1`, '2026-03-01T10:00:07Z', 'blue'],
      [`${bundle}/sysctl.txt:1`, '2026-03-01T10:00:09Z', null],
    ]);
    expect(report.warnings).toContainEqual({ source: `${bundle}/manifest.tsv:10`, message: '`nft list ruleset` was not run: nft is not installed on the node' });
  });

  it('goes to the node --node names', () => {
    const report = importPaths(store, [collectorTarball()], { node: 'renamed' });
    expect(report.nodes.map((n) => n.name)).toEqual(['renamed']);
  });

  it('imported twice is stored once', () => {
    const archive = collectorTarball();
    importPaths(store, [archive]);
    const captures = store.count('captures');
    const again = importPaths(store, [archive]);
    expect(again.errors).toEqual([]);
    expect(store.count('captures')).toBe(captures);
  });

  it('leaves no unpacked files behind once imported', () => {
    const walk = walkInputs([collectorTarball()]);
    const unpacked = walk.files.map((f) => f.readPath);
    expect(unpacked.length).toBeGreaterThan(0);
    expect(unpacked.every((p) => fs.existsSync(p))).toBe(true);
    walk.dispose();
    expect(unpacked.some((p) => fs.existsSync(p))).toBe(false);
  });
});

describe('a plain archive', () => {
  it('zip: loose files are one node named after the archive, sub-folders one node each', () => {
    const archive = zip('captures.zip', {
      'iptables.txt': iptablesSave(),
      'node-b/ip-addr.txt': fixture('ip-addr.txt'),
      'node-b/route.txt': fixture('ip-route.txt'),
    });
    const report = importPaths(store, [archive]);
    expect(report.errors).toEqual([]);
    expect(report.nodes.map((n) => [n.name, n.captures.map((c) => c.source)])).toEqual([
      ['captures', [`${archive}!/iptables.txt:1`]],
      ['node-b', [`${archive}!/node-b/ip-addr.txt:1`, `${archive}!/node-b/route.txt:1`]],
    ]);
    expect(report.nodes.flatMap((n) => n.captures).every((c) => c.takenAt === null || !c.takenAt.startsWith('2026-03'))).toBe(true);
  });

  it('an entry repeated in a tar is read once, its last copy (as tar -x leaves it)', () => {
    const first = rawTar('one.tar', 'node-e/route.txt', 'not a route\n');
    const second = rawTar('two.tar', 'node-e/route.txt', fixture('ip-route.txt'));
    const third = rawTar('three.tar', 'node-e/addr.txt', fixture('ip-addr.txt'));
    const joined = path.join(dir, 'joined.tar');
    // Archives end to end, without the end-of-archive blocks of all but the last.
    fs.writeFileSync(joined, Buffer.concat([fs.readFileSync(first).subarray(0, -1024), fs.readFileSync(second).subarray(0, -1024), fs.readFileSync(third)]));
    const unpacked = unpackArchive(joined, joined, 'tar');
    try {
      expect(unpacked.entries.map((e) => [e.name, fs.readFileSync(e.readPath, 'utf8')])).toEqual([
        ['node-e/route.txt', fixture('ip-route.txt')],
        ['node-e/addr.txt', fixture('ip-addr.txt')],
      ]);
    } finally {
      unpacked.dispose();
    }
  });

  it('tar.gz wrapping one folder reads as that folder: its sub-folders are the nodes', () => {
    const src = { 'node-a/ip-addr.txt': fixture('ip-addr.txt'), 'node-b/ip-addr.txt': fixture('ip-addr-client.txt') };
    const archive = tarball('cluster.tgz', 'cluster', src);
    const report = importPaths(store, [archive]);
    expect(report.errors).toEqual([]);
    expect(report.nodes.map((n) => n.name)).toEqual(['node-a', 'node-b']);
    expect(report.nodes[0]!.captures[0]!.source).toBe(`${archive}!/cluster/node-a/ip-addr.txt:1`);
  });

  it('uploaded through the web UI (staged in a folder, imported by its own name) is cited by that name', () => {
    const archive = zip('upload.zip', { 'node-d/route.txt': fixture('ip-route.txt') });
    const report = importPaths(store, [path.basename(archive)], { readFrom: dir });
    expect(report.errors).toEqual([]);
    expect(report.nodes.map((n) => [n.name, n.captures.map((c) => c.source)])).toEqual([['node-d', ['upload.zip!/node-d/route.txt:1']]]);
  });

  it('found in a folder is unpacked under that folder\'s node', () => {
    const folder = path.join(dir, 'in', 'node-c');
    fs.mkdirSync(folder, { recursive: true });
    fs.renameSync(zip('more.zip', { 'route.txt': fixture('ip-route.txt') }), path.join(folder, 'more.zip'));
    const report = importPaths(store, [path.join(dir, 'in')]);
    expect(report.errors).toEqual([]);
    expect(report.nodes.map((n) => n.name)).toEqual(['node-c']);
  });
});

describe('a refused archive stores nothing', () => {
  it('an entry that climbs out with ".." is refused, the error naming the entry', () => {
    for (const archive of [zip('evil.zip', { 'ok.txt': fixture('ip-addr.txt'), '../../etc/cron.d/evil': 'x' }), rawTar('evil.tar', '../escape.txt', 'x')]) {
      const report = importPaths(store, [archive]);
      expect(report.nodes).toEqual([]);
      expect(report.errors).toEqual([{ source: archive, message: expect.stringMatching(/archive entry "\.\.\/.*" leaves the archive's folder .*path traversal.*not imported/) }]);
    }
    expect(fs.existsSync(path.join(dir, 'escape.txt'))).toBe(false);
    expect(store.count('captures')).toBe(0);
    expect(store.count('sources')).toBe(0);
  });

  it('an absolute entry path is refused', () => {
    const archive = rawTar('abs.tar', '/etc/passwd', 'root:x:0:0\n');
    expect(importPaths(store, [archive]).errors).toEqual([{ source: archive, message: expect.stringContaining('"/etc/passwd" has an absolute path') }]);
  });

  it('a cut tarball is an error naming the archive', () => {
    const whole = fs.readFileSync(collectorTarball());
    const cut = path.join(dir, 'cut.tar.gz');
    fs.writeFileSync(cut, whole.subarray(0, Math.floor(whole.length / 2)));
    const report = importPaths(store, [cut]);
    expect(report.errors).toEqual([{ source: cut, message: expect.stringMatching(/^not a readable tar archive: /) }]);
    expect(store.count('captures')).toBe(0);
    expect(store.count('nodes')).toBe(0);
  });

  it('a corrupt zip is an error naming the archive', () => {
    const whole = fs.readFileSync(zip('c.zip', { 'a.txt': fixture('ip-addr.txt'), 'b.txt': fixture('ip-route.txt') }));
    const bad = path.join(dir, 'bad.zip');
    fs.writeFileSync(bad, whole.subarray(0, 200));
    const report = importPaths(store, [bad]);
    expect(report.errors).toEqual([{ source: bad, message: expect.stringMatching(/zip archive|truncated/) }]);
    expect(store.count('captures')).toBe(0);
  });

  it('too many entries or too many bytes are refused before anything is imported', () => {
    const archive = zip('big.zip', { 'a.txt': 'aaaa', 'b.txt': 'bbbb', 'c.txt': 'cccc' });
    expect(() => unpackArchive(archive, archive, 'zip', { maxEntries: 2, maxTotalBytes: 1e9 })).toThrow(/more than 2 entries/);
    expect(() => unpackArchive(archive, archive, 'zip', { maxEntries: 10, maxTotalBytes: 10 })).toThrow(/unpacks to more than 10 bytes \(at entry "c.txt"\)/);
  });

  it('a small archive that inflates past the size limit is stopped there', () => {
    const archive = path.join(dir, 'bomb.zip');
    fs.writeFileSync(archive, zipSync({ 'zeros.txt': new Uint8Array(8 * 1024 * 1024) }, { level: 9 }));
    expect(fs.statSync(archive).size).toBeLessThan(100 * 1024);
    expect(() => unpackArchive(archive, archive, 'zip', { maxEntries: 10, maxTotalBytes: 1024 * 1024 })).toThrow(/unpacks to more than 1 MiB \(at entry "zeros.txt"\)/);
    const tgz = tarball('bomb.tgz', 'b', { 'zeros.txt': '\0'.repeat(8 * 1024 * 1024), 'after.txt': 'x' });
    expect(() => unpackArchive(tgz, tgz, 'tar', { maxEntries: 10, maxTotalBytes: 1024 * 1024 })).toThrow(/unpacks to more than 1 MiB \(at entry "b\/(zeros|after).txt"\)/);
    expect(() => unpackArchive(tgz, tgz, 'tar', { maxEntries: 2, maxTotalBytes: 1e9 })).toThrow(/more than 2 entries/);
  });

  it('a manifest it cannot read is an error naming its line', () => {
    const archive = tarball('m.tgz', 'b', { 'manifest.tsv': MANIFEST.replace('\tmissing\t', '\tgone\t'), 'ip/addr.txt': fixture('ip-addr.txt') });
    const report = importPaths(store, [archive]);
    expect(report.errors).toEqual([{ source: `${archive}!/b/manifest.tsv:10`, message: 'unknown status "gone" (expected ok, failed, timeout, missing)' }]);
    expect(store.count('captures')).toBe(0);
  });
});

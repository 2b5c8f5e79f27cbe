import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import Database from 'better-sqlite3';
import type { ConntrackEntry, InterfaceRecord, PacketRecord, RouteRecord, ServiceRecord } from '../records/records';
import type { Ruleset } from '../netfilter/ruleset';
import { parseIptablesSave } from '../capture/iptables/iptables-save';
import { Store, type NewCapture } from './store';
import { SCHEMA_VERSION } from './schema';
import { ModelError } from './model-error';
import { listNodes } from '../project/nodes';
import { describeShared } from '../../../test/support/describe-shared';
import { sharedDir } from '../../../test/support/shared-corpus';
import { useTempProject } from '../../../test/support/temp-project';

let store: Store;

const project = useTempProject('store');
beforeEach(() => {
  store = project().store();
});
// Some tests reopen the project into `store` themselves.
afterEach(() => store.close());

function capture(nodeId: number, over: Partial<NewCapture> = {}): NewCapture {
  return {
    nodeId, sourceId: null, kind: 'ip-addr', namespace: null, sourceFile: 'a.txt', firstLine: 1, lastLine: 9,
    command: null, partial: false, contentHash: 'h1', takenAt: null, ...over,
  };
}

function iface(name: string, cidr: string, master: string | null = null): InterfaceRecord {
  return {
    name, index: 2, peer: null, linkNetns: null, flags: ['BROADCAST', 'UP'], mtu: 1500, state: 'UP', master,
    linkType: 'ether', mac: '02:00:00:00:00:01', line: 3,
    addresses: [{ family: 'ipv4', cidr, peer: null, broadcast: null, scope: 'global', label: null, secondary: false, line: 4 }],
  };
}

function route(dst: string, via: string | null): RouteRecord {
  return {
    type: 'unicast', dst, family: 'ipv4', via, dev: 'eth0', src: null, metric: via ? 100 : null, table: 'main',
    scope: null, proto: null, flags: [], line: 2,
  };
}

const RULESET: Ruleset = {
  family: 'ipv4',
  origin: { format: 'iptables-save', interfacesShown: true, countersShown: true, partial: false },
  tables: [
    {
      name: 'nat',
      line: 1,
      chains: [
        {
          name: 'PREROUTING', builtin: true, policy: 'ACCEPT', counters: { packets: 5, bytes: 300 }, line: 2,
          rules: [
            {
              position: 1, text: '-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
              line: 4, counters: { packets: 1, bytes: 60 },
              matches: [{ kind: 'comment', text: 'kubernetes service portals' }],
              target: { kind: 'jump', chain: 'KUBE-SERVICES' },
            },
          ],
        },
        {
          name: 'KUBE-SERVICES', builtin: false, policy: null, counters: null, line: 3,
          rules: [
            {
              position: 1, text: '-A KUBE-SERVICES -d 10.96.0.1/32 -p tcp -j DNAT --to-destination 10.0.0.5:6443', line: 5,
              counters: null,
              matches: [
                { kind: 'destination', cidr: { address: '10.96.0.1', prefixLength: 32 }, negated: false },
                { kind: 'protocol', proto: 'tcp', negated: false },
              ],
              target: { kind: 'dnat', to: [{ minAddress: '10.0.0.5', maxAddress: '10.0.0.5', ports: { min: 6443, max: 6443 } }], random: false, persistent: false },
            },
            { position: 2, text: '-A KUBE-SERVICES', line: 6, counters: null, matches: [], target: null },
          ],
        },
      ],
    },
  ],
};

function packet(frame: number): PacketRecord {
  return {
    frame, tsSec: 1700000000 + frame, tsNsec: 123456789, iface: 'eth0', direction: null, linkType: 1, capLen: 60,
    origLen: 60, srcMac: null, dstMac: null, vlan: null, network: 'ipv4', etherType: null, src: '10.0.0.1',
    dst: '10.0.0.2', ipProto: 6, ipId: 1, ttl: 64, fragMf: false, fragOffset: 0, sport: 40000, dport: 80,
    tcpFlags: 0x02, seq: 4294967295, ack: 0, payloadLen: 0, icmpType: null, icmpCode: null, arpOp: null,
    truncated: null, line: null, offset: 24 + frame * 76,
  };
}

describe('Store', () => {
  it('creates a WAL database at the current schema version with foreign keys on', () => {
    expect(store.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(store.db.pragma('foreign_keys', { simple: true })).toBe(1);
  });

  it('writes a bulk import through a rollback journal when alone, and is in WAL again after it', () => {
    const modes = (): unknown[] => [store.db.pragma('journal_mode', { simple: true }), store.db.pragma('synchronous', { simple: true })];
    const inside = store.withBulkJournal(() => {
      store.transaction(() => store.ensureNode('a'));
      return modes();
    });
    expect(inside).toEqual(['delete', 2]);
    expect(modes()).toEqual(['wal', 1]);
    expect(() => store.withBulkJournal(() => {
      throw new Error('rejected');
    })).toThrow('rejected');
    expect(modes()).toEqual(['wal', 1]);
    expect(store.listNodes().map((n) => n.name)).toEqual(['a']);
  });

  it('writes pages back mid-transaction without making them part of the project: a rollback still undoes them', async () => {
    store.ensureNode('kept');
    store.db.pragma('journal_mode = DELETE');
    store.db.pragma('cache_size = -256');
    store.db.exec('BEGIN');
    // Far more than the cache holds, so pages reach the file before the commit.
    const add = store.db.prepare('INSERT INTO nodes (name, created_at) VALUES (?, ?)');
    for (let i = 0; i < 20_000; i++) add.run(`n${i}-${'x'.repeat(40)}`, 'now');
    store.startWriteback();
    await new Promise((resolve) => setTimeout(resolve, 200));
    store.db.exec('ROLLBACK');
    expect(store.listNodes().map((n) => n.name)).toEqual(['kept']);
    expect(store.db.pragma('integrity_check', { simple: true })).toBe('ok');
    const memory = Store.open(':memory:');
    expect(() => memory.startWriteback()).not.toThrow();
    memory.close();
  });

  it('writes a new project\'s schema into the file, not the WAL, and is in WAL once open', () => {
    const dbFile = project().file('new.db');
    const created = Store.open(dbFile);
    try {
      expect(created.db.pragma('journal_mode', { simple: true })).toBe('wal');
      // In WAL from the start, the ~70 schema pages would wait in the WAL to be copied into the file again.
      expect(fs.statSync(`${dbFile}-wal`, { throwIfNoEntry: false })?.size ?? 0).toBe(0);
      expect(created.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      // The connection reads through the WAL at once: a bulk import with another connection open stays in WAL
      // (SQLITE_BUSY) instead of waiting for that connection to let go.
      const other = Store.open(dbFile);
      try {
        expect(created.withBulkJournal(() => created.db.pragma('journal_mode', { simple: true }))).toBe('wal');
      } finally {
        other.close();
      }
    } finally {
      created.close();
    }
  });

  it('keeps a bulk import in WAL while another connection has the project open', () => {
    const other = Store.open(project().dbPath);
    try {
      expect(store.withBulkJournal(() => store.db.pragma('journal_mode', { simple: true }))).toBe('wal');
      expect(other.listNodes()).toEqual([]);
    } finally {
      other.close();
    }
  });

  it('reopens an existing project without re-running migrations', () => {
    store.ensureNode('a');
    store.close();
    store = Store.open(project().dbPath);
    expect(store.listNodes().map((n) => n.name)).toEqual(['a']);
  });

  it('refuses a database written by a newer schema', () => {
    store.close();
    const raw = new Database(project().dbPath);
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    expect(() => Store.open(project().dbPath)).toThrow(ModelError);
    store = Store.open(project().file('other.db'));
  });

  it('refuses to create a project when it must exist', () => {
    expect(() => Store.open(project().file('missing.db'), { mustExist: true })).toThrow(ModelError);
  });

  it('gives a node the same id every time it is named', () => {
    expect(store.ensureNode('a')).toBe(store.ensureNode('a'));
    expect(store.ensureNode('b')).not.toBe(store.ensureNode('a'));
  });

  it('stores identical content of a node and kind once, but keeps it apart per namespace', () => {
    const node = store.ensureNode('a');
    store.insertCapture(capture(node));
    expect(store.findCaptureByContent(node, 'ip-addr', null, 'h1')).not.toBeNull();
    expect(store.findCaptureByContent(node, 'ip-route', null, 'h1')).toBeNull();
    expect(store.findCaptureByContent(node, 'ip-addr', { via: 'netns', name: 'blue' }, 'h1')).toBeNull();
    expect(() => store.insertCapture(capture(node))).toThrow(/UNIQUE/);
    store.insertCapture(capture(node, { namespace: { via: 'netns', name: 'blue' } }));
    expect(store.count('captures')).toBe(2);
  });

  it('numbers snapshots per node, kind and namespace in import order', () => {
    const node = store.ensureNode('a');
    const first = store.insertCapture(capture(node, { contentHash: 'x' }));
    const second = store.insertCapture(capture(node, { contentHash: 'y' }));
    const route = store.insertCapture(capture(node, { kind: 'ip-route', contentHash: 'x' }));
    expect([store.capture(first)?.snapshot, store.capture(second)?.snapshot, store.capture(route)?.snapshot]).toEqual([1, 2, 1]);
  });

  it('reads back a ruleset exactly as stored, with jump targets and comments indexed', () => {
    const node = store.ensureNode('a');
    const id = store.insertCapture(capture(node, { kind: 'iptables-save' }));
    store.insertRecords(id, { kind: 'iptables-save', ruleset: RULESET, takenAt: null });
    expect(store.rulesetsOf(id)).toEqual([RULESET]);
  });

  it('stores the parsed matches and targets of every recorded kube-proxy dump and reads back the same ruleset without reparsing', () => {
    expect(storesEveryDump(path.resolve(__dirname, '../../../test/fixtures/kube-proxy'))).toBe(4);
  });

  it('stores a rule whose text reads back as its text alone, without its -A CHAIN, and reads the rest from it', () => {
    const node = store.ensureNode('a');
    const id = store.insertCapture(capture(node, { kind: 'iptables-save' }));
    const text = '*filter\n:INPUT ACCEPT [0:0]\n[3:180] -A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\nCOMMIT\n';
    const parsed = parseIptablesSave({ file: 'f', text, firstLine: 1 });
    store.insertRecords(id, parsed);
    expect(storedRecords()).toEqual(['3\t3:180\ta -p tcp -m tcp --dport 22 -j ACCEPT']);
    expect(store.rulesetsOf(id)).toEqual([parsed.ruleset]);
  });

  it('keeps the matches and target of a rule whose text does not read back to them', () => {
    const node = store.ensureNode('a');
    const id = store.insertCapture(capture(node, { kind: 'iptables-save' }));
    // iptables -L prints rules in a form of its own: their text is not iptables-save's.
    const listed = { position: 1, text: 'ACCEPT     tcp  --  0.0.0.0/0  0.0.0.0/0  tcp dpt:22', line: 4, counters: null,
      matches: [{ kind: 'protocol' as const, proto: 'tcp', negated: false }], target: { kind: 'accept' as const } };
    const ruleset: Ruleset = { ...RULESET, tables: [{ name: 'filter', line: 1, chains: [{ name: 'INPUT', builtin: true, policy: 'ACCEPT', counters: null, line: 2, rules: [listed] }] }] };
    store.insertRecords(id, { kind: 'iptables-save', ruleset, takenAt: null });
    expect(storedRecords()[0]).toMatch(/^4\t\tj\[\{"kind":"protocol".*\t\{"kind":"accept"\}\tACCEPT {5}tcp/);
    expect(store.rulesetsOf(id)).toEqual([ruleset]);
  });

  it('says a damaged rule chunk is damaged, naming the project', () => {
    const node = store.ensureNode('a');
    const id = store.insertCapture(capture(node, { kind: 'iptables-save' }));
    store.insertRecords(id, { kind: 'iptables-save', ruleset: RULESET, takenAt: null });
    store.db.prepare("UPDATE rule_chunks SET body = x'00ff'").run();
    expect(() => store.rulesetsOf(id)).toThrow(/rule chunk \d+ does not inflate/);
    store.db.prepare('DELETE FROM rule_chunks').run();
    store.insertRecords(store.insertCapture(capture(node, { kind: 'iptables-save', contentHash: 'again' })), { kind: 'iptables-save', ruleset: RULESET, takenAt: null });
    const [first, ...rest] = storedRecords();
    store.db.prepare('UPDATE rule_chunks SET body = ?').run(deflateRawSync(Buffer.from([`${first!.split('\t')[0]}\t\ta --no-such-option 1`, ...rest].join('\n'))));
    // A rule's matches are read from its text when first asked for: that is when the damage shows.
    const again = store.rulesetsOf(store.count('captures'))[0]!.tables[0]!.chains[0]!.rules[0]!;
    expect(() => again.matches).toThrow(/the stored rule of line \d+ is damaged/);
  });

  it('keeps no table of one row per rule', () => {
    expect(store.db.prepare("SELECT name FROM sqlite_master WHERE name = 'rules'").all()).toEqual([]);
  });

  it('stores many rules through batched inserts in chain order', () => {
    const node = store.ensureNode('a');
    const id = store.insertCapture(capture(node, { kind: 'iptables-save' }));
    const rules = Array.from({ length: 1000 }, (_, i) => ({
      position: i + 1, text: `-A X -j RETURN`, line: i + 2, counters: null, matches: [], target: { kind: 'return' as const },
    }));
    const big: Ruleset = { ...RULESET, tables: [{ name: 'filter', line: 1, chains: [{ name: 'X', builtin: false, policy: null, counters: null, line: 1, rules }] }] };
    store.insertRecords(id, { kind: 'iptables-save', ruleset: big, takenAt: null });
    const back = store.rulesetsOf(id)[0].tables[0].chains[0].rules;
    expect(back.length).toBe(1000);
    expect(back.map((r) => r.position)).toEqual(rules.map((r) => r.position));
  });

  it('stores services in batches, each with its own ports, after services of an earlier capture', () => {
    const node = store.ensureNode('a');
    const service = (name: string, ports: number): ServiceRecord => ({
      namespace: 'ns', name, type: 'ClusterIP', clusterIP: '10.0.0.1', externalIPs: [], loadBalancerIPs: [], selector: null, line: 1,
      ports: Array.from({ length: ports }, (_, p) => ({ name: `p${p}`, port: 80 + p, protocol: 'TCP' as const, targetPort: null, nodePort: null })),
    });
    const first = store.insertCapture(capture(node, { kind: 'kubectl', contentHash: 'first' }));
    store.insertServices(first, 'kubectl', [service('early', 2)]);
    // More services than one batch holds, and more ports than services: ports must follow their service's row.
    const many = Array.from({ length: 150 }, (_, i) => service(`s${i}`, i % 4));
    const second = store.insertCapture(capture(node, { kind: 'kubectl', contentHash: 'second' }));
    store.insertServices(second, 'kubectl', many);
    expect(store.services(second)).toEqual(many.map((s) => ({ ...s, origin: 'kubectl' })));
    expect(store.services(first)).toEqual([{ ...service('early', 2), origin: 'kubectl' }]);
  });

  it('keeps both conntrack tuples as columns', () => {
    const node = store.ensureNode('a');
    const id = store.insertCapture(capture(node, { kind: 'conntrack' }));
    const entry: ConntrackEntry = {
      family: 'ipv4', proto: 'tcp', protoNumber: 6, timeout: 100, state: 'ESTABLISHED',
      original: { src: '10.0.0.1', dst: '10.96.0.10', sport: 40000, dport: 53, icmp: null, packets: null, bytes: null },
      reply: { src: '10.244.1.5', dst: '10.0.0.1', sport: 53, dport: 40000, icmp: null, packets: null, bytes: null },
      unreplied: false, assured: true, mark: 0, zone: null, use: 1, flags: [], line: 1,
    };
    store.insertRecords(id, { kind: 'conntrack', entries: [entry], takenAt: null });
    const row = store.db.prepare('SELECT orig_dst, reply_src, assured, mark FROM conntrack').get();
    expect(row).toEqual({ orig_dst: '10.96.0.10', reply_src: '10.244.1.5', assured: 1, mark: 0 });
  });

  it('streams packets in batches, keeping 32-bit sequence numbers and nanoseconds exact', () => {
    const node = store.ensureNode('a');
    const id = store.insertCapture(capture(node, { kind: 'pcap' }));
    const writer = store.packetWriter(id);
    for (let i = 1; i <= 1000; i++) writer.add(packet(i));
    expect(writer.flush()).toBe(1000);
    expect(store.count('packets', id)).toBe(1000);
    expect(store.db.prepare('SELECT count(*) FROM packets').pluck().get()).toBe(1000);
    const [last] = store.packetsOf(id, 1000, 10);
    expect(last).toEqual(expect.objectContaining({ frame: 1000, tsSec: 1700001000, tsNsec: 123456789, seq: 4294967295 }));
    expect(store.db.prepare('SELECT count(*) FROM packet_blocks WHERE capture_id = ?').pluck().get(id)).toBe(1);
  });

  it('stores each directional 5-tuple once and finds packets by it', () => {
    const node = store.ensureNode('a');
    const id = store.insertCapture(capture(node, { kind: 'pcap' }));
    const writer = store.packetWriter(id);
    for (let i = 1; i <= 10; i++) {
      const p = packet(i);
      if (i % 2 === 0) Object.assign(p, { src: '10.0.0.2', dst: '10.0.0.1', sport: 80, dport: 40000 });
      if (i === 10) Object.assign(p, { network: 'other', src: null, dst: null, ipProto: null, sport: null, dport: null });
      writer.add(p);
    }
    writer.flush();
    expect(store.count('packet_tuples', id)).toBe(2);
    const replies = store.packetsWithTuple({ ipProto: 6, src: '10.0.0.2', dst: '10.0.0.1', sport: 80, dport: 40000 });
    expect(replies.map((p) => p.frame)).toEqual([2, 4, 6, 8]);
    const [tenth] = store.packetsOf(id, 10, 5);
    expect(tenth).toEqual(expect.objectContaining({ frame: 10, src: null, ipProto: null, tsNsec: 123456789, len: 60 }));
  });

  it('finds tuples again in the database once its tuple cache has overflowed', () => {
    const node = store.ensureNode('a');
    const id = store.insertCapture(capture(node, { kind: 'pcap' }));
    const writer = store.packetWriter(id, 4);
    for (let i = 1; i <= 40; i++) writer.add({ ...packet(i), sport: 40000 + (i % 10) });
    writer.flush();
    expect(store.count('packet_tuples', id)).toBe(10);
    expect(store.packetsWithTuple({ ipProto: 6, src: '10.0.0.1', dst: '10.0.0.2', sport: 40003, dport: 80 }).map((p) => p.frame)).toEqual([3, 13, 23, 33]);
  });

  it('pages packets across blocks and streams them in time order even when the capture is not', () => {
    const node = store.ensureNode('a');
    const id = store.insertCapture(capture(node, { kind: 'pcap' }));
    const writer = store.packetWriter(id);
    // Frames 1..10000 (three blocks); every 1000th frame is stamped a second before the capture began.
    for (let i = 1; i <= 10_000; i++) writer.add({ ...packet(i), tsSec: i % 1000 === 0 ? 1699999999 : 1700000000 + i, tsNsec: i });
    writer.flush();
    expect(store.count('packets', id)).toBe(10_000);
    expect(store.packetsOf(id, 4090, 12).map((p) => p.frame)).toEqual([4090, 4091, 4092, 4093, 4094, 4095, 4096, 4097, 4098, 4099, 4100, 4101]);
    const frames = [...store.iteratePackets(id)].map((p) => p.frame);
    expect(frames.slice(0, 11)).toEqual([1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10000, 1]);
    expect(frames).toHaveLength(10_000);
    expect(frames[frames.length - 1]).toBe(9999);
    const [tuple] = store.packets.tuplesOf(id).values();
    expect(tuple).toEqual(expect.objectContaining({ packets: 10_000, firstFrame: 1, lastFrame: 10_000 }));
  });

  it('streams any order of timestamps sorted by time, then frame', () => {
    const node = store.ensureNode('a');
    const id = store.insertCapture(capture(node, { kind: 'pcap' }));
    const writer = store.packetWriter(id);
    let x = 12345;
    const times: Array<[number, number, number]> = [];
    for (let i = 1; i <= 9000; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      const t: [number, number, number] = [1700000000 + (x % 7), (x >>> 8) % 3, i];
      times.push(t);
      writer.add({ ...packet(i), tsSec: t[0], tsNsec: t[1] });
    }
    writer.flush();
    times.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
    expect([...store.iteratePackets(id)].map((p) => p.frame)).toEqual(times.map((t) => t[2]));
  });

  it('keeps time order when one packet far out of order holds back many blocks', () => {
    const node = store.ensureNode('a');
    const id = store.insertCapture(capture(node, { kind: 'pcap' }));
    const writer = store.packetWriter(id);
    // 30,000 packets a millisecond apart, two by two swapped, and the last one stamped before all the others.
    for (let i = 1; i <= 30_000; i++) {
      const at = i === 30_000 ? 0 : i % 2 ? i + 1 : i - 1;
      writer.add({ ...packet(i), tsSec: 1700000000 + Math.floor(at / 1000), tsNsec: (at % 1000) * 1_000_000 });
    }
    writer.flush();
    const frames = [...store.iteratePackets(id)].map((p) => p.frame);
    expect(frames.slice(0, 5)).toEqual([30_000, 2, 1, 4, 3]);
    expect(frames.slice(-3)).toEqual([29_998, 29_997, 29_999]);
    expect(new Set(frames).size).toBe(30_000);
  });

  it('deletes a capture with its packets and tuples', () => {
    const node = store.ensureNode('a');
    const id = store.insertCapture(capture(node, { kind: 'pcap' }));
    const writer = store.packetWriter(id);
    for (let i = 1; i <= 300; i++) writer.add(packet(i));
    writer.flush();
    store.deleteCapture(id);
    expect([store.count('captures'), store.count('packets'), store.count('packet_tuples')]).toEqual([0, 0, 0]);
  });

  it('rolls back everything written inside a failed transaction', () => {
    expect(() =>
      store.transaction(() => {
        const node = store.ensureNode('a');
        const id = store.insertCapture(capture(node, { kind: 'pcap' }));
        const writer = store.packetWriter(id);
        for (let i = 1; i <= 600; i++) writer.add(packet(i));
        throw new Error('parser failed');
      }),
    ).toThrow('parser failed');
    expect([store.count('nodes'), store.count('captures'), store.count('packets')]).toEqual([0, 0, 0]);
  });
});

describe('listNodes', () => {
  it('shows the newest ip-addr and route captures of the node itself, not of its namespaces', () => {
    const node = store.ensureNode('node-a');
    const old = store.insertCapture(capture(node, { contentHash: 'old' }));
    store.insertInterfaces(old, [iface('eth0', '10.0.0.4/24')]);
    const fresh = store.insertCapture(capture(node, { contentHash: 'new', firstLine: 20 }));
    store.insertInterfaces(fresh, [iface('eth0', '10.0.0.5/24'), iface('veth1', '10.244.0.1/24', 'cbr0')]);
    const pod = store.insertCapture(capture(node, { contentHash: 'pod', namespace: { via: 'netns', name: 'pod1' } }));
    store.insertInterfaces(pod, [iface('eth0', '10.244.0.7/24')]);
    const r1 = store.insertCapture(capture(node, { kind: 'route-table', contentHash: 'r1' }));
    store.insertRoutes(r1, [route('0.0.0.0/0', '10.0.0.9')]);
    const r2 = store.insertCapture(capture(node, { kind: 'ip-route', contentHash: 'r2' }));
    store.insertRoutes(r2, [route('default', '10.0.0.1'), route('10.0.0.0/24', null)]);

    const [view] = listNodes(store);
    expect(view.name).toBe('node-a');
    expect(view.interfaces).toEqual([
      { name: 'eth0', addresses: ['10.0.0.5/24'], mac: '02:00:00:00:00:01', state: 'UP', master: null, peer: null, pairedWith: null, kind: null, knownFrom: 'addresses' },
      { name: 'veth1', addresses: ['10.244.0.1/24'], mac: '02:00:00:00:00:01', state: 'UP', master: 'cbr0', peer: null, pairedWith: null, kind: null, knownFrom: 'addresses' },
    ]);
    expect(view.routes.map((r) => [r.dst, r.via, r.metric])).toEqual([['default', '10.0.0.1', 100], ['10.0.0.0/24', null, null]]);
    expect(view.captures.map((c) => c.source)).toEqual(['a.txt:1', 'a.txt:20', 'a.txt:1', 'a.txt:1', 'a.txt:1']);
    // The two address captures and the two route listings disagree: both are kept as conflicts, the later used.
    expect(view.conflicts.map((c) => [c.about, c.subject, c.says])).toEqual([
      ['interface', 'eth0', ['10.0.0.4/24', '10.0.0.5/24']],
      ['route', 'main 0.0.0.0/0', ['0.0.0.0/0 via 10.0.0.9 dev eth0', 'default via 10.0.0.1 dev eth0']],
    ]);
    expect(view.captures.find((c) => c.id === pod)?.netns).toBe('pod1');
  });

  it('lists a node without captures of its interfaces or routes with empty lists', () => {
    store.ensureNode('bare');
    expect(listNodes(store)).toEqual([{ name: 'bare', interfaces: [], routes: [], rules: [], neighbours: [], fdb: [], captures: [], conflicts: [] }]);
  });
});

/** Every stored rule record of the project, chunk by chunk (rows/rule-chunks.ts). */
function storedRecords(): string[] {
  const bodies = store.db.prepare('SELECT body FROM rule_chunks ORDER BY id').pluck(true).all() as Buffer[];
  return bodies.flatMap((b) => inflateRawSync(b).toString('utf8').split('\n'));
}

/** Stores every vector folder's ruleset.iptables-save under `root` and reads each back; how many there were. */
function storesEveryDump(root: string): number {
  const node = store.ensureNode('a');
  let n = 0;
  for (const name of fs.readdirSync(root).filter((d) => fs.existsSync(path.join(root, d, 'ruleset.iptables-save')))) {
    const file = path.join(root, name, 'ruleset.iptables-save');
    const parsed = parseIptablesSave({ file, text: fs.readFileSync(file, 'utf8'), firstLine: 1 });
    const id = store.insertCapture(capture(node, { kind: 'iptables-save', contentHash: name }));
    store.insertRecords(id, parsed);
    expect(store.rulesetsOf(id)).toEqual([parsed.ruleset]);
    n++;
  }
  // Every rule of an iptables-save dump reads back from its text: none needs its parsed form stored.
  expect(storedRecords().filter((r) => r.split('\t')[2]!.startsWith('j'))).toEqual([]);
  return n;
}

describeShared('kube-proxy-conformance', 'Store on the kube-proxy conformance dumps', () => {
  it('stores the parsed matches and targets of every conformance dump and reads back the same ruleset without reparsing', () => {
    expect(storesEveryDump(sharedDir('kube-proxy-conformance'))).toBeGreaterThan(10);
  });
});

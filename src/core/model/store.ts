/**
 * The project store: one SQLite file per project, and the only module that speaks SQL to it.
 * Writers take parser records; readers return plain rows or rebuild the records.
 */
import fs from 'node:fs';
import nodePath from 'node:path';
import Database from 'better-sqlite3';
import type {
  BridgePortRecord, CaptureKind, ConntrackEntry, ConntrackTuple, FdbRecord, InterfaceRecord, LinkDetails, NeighbourRecord,
  NexthopRecord, ParsedCapture, PodRecord, RouteRecord, RouteType, RuleAction, RuleRecord, ServiceRecord,
} from '../records/records';
import { parseCaptureScope, type CaptureScope } from '../capture/capture-scope';
import type { StateChangeNote } from '../capture/capture-unit';
import type { Chain, Counters, Match, Rule, Ruleset, Table, TableName, Target } from '../netfilter/ruleset';
import { assertNever } from '../common/assert-never';
import { BatchInsert, maxId } from './batch-insert';
import { CHAIN_COLUMNS, pushChainRow, pushRuleRow, RULE_COLUMNS } from './rule-rows';
import { RulesetTapeWriter, type TapeObserver } from './ruleset-tape';
import { ModelError } from './model-error';
import { readRulesetsLazily } from './lazy-rulesets';
import { PacketStore, TUPLE_CACHE_LIMIT, type PacketRow, type PacketTuple, type PacketWriter } from './packet-store';
import { assertProjectDatabase, migrate } from './schema';
import { isBusyError, once, retryWhileBusy, sayingWhenWaiting, WRITE_WAIT_MS } from './write-turn';

export type { PacketRow, PacketTuple, PacketWriter };

export type Namespace = { via: string; name: string } | null;

export interface NewCapture {
  nodeId: number;
  sourceId: number | null;
  kind: CaptureKind;
  namespace: Namespace;
  sourceFile: string;
  firstLine: number | null;
  lastLine: number | null;
  command: string | null;
  partial: boolean;
  contentHash: string;
  takenAt: string | null;
}

export interface CaptureRow {
  id: number;
  nodeId: number;
  kind: CaptureKind;
  netns: string | null;
  netnsVia: string | null;
  sourceFile: string;
  firstLine: number | null;
  lastLine: number | null;
  command: string | null;
  partial: boolean;
  takenAt: string | null;
  records: number;
  importedAt: string;
  snapshot: number;
  detail: string | null;
  /** What part of the node's state it covers; null for a capture stored before scopes were kept. */
  scope: CaptureScope | null;
  /** State-changing commands typed between the previous capture of its node and namespace and this one. */
  changedBy: StateChangeNote[];
}

/** Owner name of cluster-wide captures (kubectl output for all namespaces): not a node, never listed as one. */
export const CLUSTER_OWNER = '(cluster)';

/** One address behind a Kubernetes service port (`10.40.0.6:8080`), from kubectl or a KUBE-SEP DNAT. */
export interface EndpointRecord {
  namespace: string;
  name: string;
  portName: string | null;
  address: string;
  port: number | null;
  line: number;
}

export type K8sOrigin = 'kubectl' | 'kube-proxy';

export interface TextBlockRow {
  sourceId: number;
  node: string | null;
  sourceFile: string;
  firstLine: number;
  lastLine: number;
  command: string | null;
  reason: string | null;
  text: string;
}

const SERVICE_COLUMNS = [
  'id', 'capture_id', 'origin', 'namespace', 'name', 'type', 'cluster_ip', 'external_ips', 'load_balancer_ips', 'selector', 'line',
] as const;
const SERVICE_PORT_COLUMNS = ['service_id', 'name', 'port', 'protocol', 'target_port', 'node_port'] as const;
const ENDPOINT_COLUMNS = ['capture_id', 'origin', 'namespace', 'name', 'port_name', 'address', 'port', 'line'] as const;

const CONNTRACK_COLUMNS = [
  'capture_id', 'family', 'proto', 'proto_number', 'timeout', 'state',
  'orig_src', 'orig_dst', 'orig_sport', 'orig_dport', 'orig_icmp', 'orig_packets', 'orig_bytes',
  'reply_src', 'reply_dst', 'reply_sport', 'reply_dport', 'reply_icmp', 'reply_packets', 'reply_bytes',
  'unreplied', 'assured', 'flags', 'mark', 'zone', 'use_count', 'line',
] as const;

const flag = (b: boolean): number => (b ? 1 : 0);
const now = (): string => new Date().toISOString();

export interface OpenOptions {
  /** Refuse to create the file (read-side commands on a project that does not exist). */
  mustExist?: boolean;
  /** Path of a better-sqlite3 addon built for the running ABI (Electron's main process). */
  nativeBinding?: string;
  /**
   * 'read': a project this process may not write (the file or its folder read-only) is read from a copy in
   * memory, where what reading stores on the way (stitched flows) lives until close. 'write' (the default):
   * such a project is refused with a message saying so.
   */
  access?: 'read' | 'write';
  /** Told (once) when the project must wait for another process writing it: see Store.onWaitForWriter. */
  onWaitForWriter?: () => void;
}

export class Store {
  readonly db: Database.Database;
  /** Packet blocks and 5-tuples. */
  readonly packets: PacketStore;

  private constructor(readonly path: string, db: Database.Database, readonly readOnly: boolean) {
    this.db = db;
    this.packets = new PacketStore(db);
  }

  static open(path: string, options: OpenOptions = {}): Store {
    const binding = options.nativeBinding === undefined ? {} : { nativeBinding: options.nativeBinding };
    const readOnly = !projectWritable(path);
    if (readOnly && (options.access ?? 'write') === 'write') {
      throw new ModelError(path, 'the project is read-only here (no write permission on the file or its folder): natlens can show, trace and report it, not import into it');
    }
    let db: Database.Database;
    try {
      db = readOnly ? openCopyInMemory(path, binding) : new Database(path, { fileMustExist: options.mustExist ?? false, ...binding });
    } catch (e) {
      if (e instanceof ModelError) throw e;
      throw new ModelError(path, e instanceof Error ? e.message : String(e));
    }
    try {
      // First: every later statement, these pragmas too, waits while another process writes the project.
      db.pragma(`busy_timeout = ${WRITE_WAIT_MS}`);
      const onWait = once(options.onWaitForWriter ?? null);
      // Tried once without waiting (each step can be taken again), so that a wait for another writer is said first.
      sayingWhenWaiting(db, onWait, () => {
        // Before anything is written: another program's database is left as it was.
        assertProjectDatabase(db, path);
        // Takes effect only on a new file, and only before WAL is on: large pages make the bulk
        // appends of an import (packets, rules) markedly cheaper. 64 KiB (SQLite's largest) against
        // 16 KiB: 170k rules in 3.0 s instead of 3.1, a million packets in 1.3 s instead of 1.45, the
        // commit's checkpoint a third shorter; reading a ruleset back takes as long.
        db.pragma('page_size = 65536');
        retryWhileBusy(() => db.pragma('journal_mode = WAL'), onWait);
        db.pragma('synchronous = NORMAL');
        db.pragma('foreign_keys = ON');
        // 64 MiB of page cache: a million-packet import keeps its indexes' hot pages in memory.
        db.pragma('cache_size = -65536');
        migrate(db, path);
      });
    } catch (e) {
      db.close();
      if (e instanceof ModelError) throw e;
      throw new ModelError(path, e instanceof Error ? e.message : String(e));
    }
    const store = new Store(path, db, readOnly);
    store.onWaitForWriter = options.onWaitForWriter ?? null;
    return store;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /**
   * Has the kernel write the project file's dirty pages to disk on libuv's thread pool while this thread goes
   * on, so that a commit after a long stretch of little writing waits for little: a 170k-rule import's fsync
   * then finds ~20 ms of work instead of ~80. Only a hint: pages reaching the disk before their commit is
   * what SQLite's cache spills do anyway, and the journal still undoes them if the process dies.
   */
  startWriteback(): void {
    if (this.db.memory) return;
    let fd: number;
    try {
      fd = fs.openSync(this.db.name, 'r');
    } catch {
      return;
    }
    fs.fdatasync(fd, () => fs.close(fd, () => undefined));
  }

  /**
   * Runs `fn` in a transaction (a savepoint when nested); any throw rolls all of it back. The outermost one
   * begins IMMEDIATE: it takes the write lock first, waiting its turn behind another writer, instead of reading
   * and then failing "database is locked" when it comes to write.
   */
  transaction<T>(fn: () => T): T {
    if (this.db.inTransaction) return this.db.transaction(fn)();
    if (this.onWaitForWriter === null) return this.db.transaction(fn).immediate();
    // BEGIN is tried once without waiting, so that whoever waits is told why before the wait; once begun, the
    // transaction waits as any other (a commit in rollback-journal mode waits for readers).
    let begun = false;
    const tx = this.db.transaction(() => {
      begun = true;
      this.db.pragma(`busy_timeout = ${WRITE_WAIT_MS}`);
      return fn();
    });
    this.db.pragma('busy_timeout = 0');
    try {
      return tx.immediate();
    } catch (e) {
      if (begun || !isBusyError(e)) throw e;
    } finally {
      this.db.pragma(`busy_timeout = ${WRITE_WAIT_MS}`);
    }
    this.onWaitForWriter();
    return tx.immediate();
  }

  /** Called when a write must wait for another process writing the project (a concurrent import). */
  onWaitForWriter: (() => void) | null = null;

  /**
   * Runs `fn` with a page cache of `kib` KiB. Appends that never revisit their pages (flows, a streamed
   * ruleset) are as fast with a small cache, and touching less memory is faster still.
   */
  withPageCache<T>(kib: number, fn: () => T): T {
    const cache = this.db.pragma('cache_size', { simple: true }) as number;
    this.db.pragma(`cache_size = -${kib}`);
    try {
      return fn();
    } finally {
      this.db.pragma(`cache_size = ${cache}`);
    }
  }

  /**
   * Runs `fn` with a rollback journal instead of the WAL when no other connection has the project open, so
   * that a large import reaches the file once rather than once in the WAL and again when it is checkpointed
   * (a 170k-rule dump's commit takes 0.1 s instead of 0.25). Crash safety is then the rollback journal's,
   * with synchronous FULL. Meanwhile other processes wait to open the project. With another connection open
   * `fn` runs in WAL as usual; afterwards the project is in WAL again (and every open sets it).
   */
  withBulkJournal<T>(fn: () => T): T {
    try {
      this.db.pragma('journal_mode = DELETE');
    } catch (e) {
      if (isDatabaseError(e) && (e as { code?: string }).code === 'SQLITE_BUSY') return fn();
      throw e;
    }
    this.db.pragma('synchronous = FULL');
    try {
      return fn();
    } finally {
      // Another process may be reading the file meanwhile (waiting to import): WAL again once it lets go.
      retryWhileBusy(() => this.db.pragma('journal_mode = WAL'));
      this.db.pragma('synchronous = NORMAL');
    }
  }

  // ---- nodes and sources ----------------------------------------------------------------

  ensureNode(name: string): number {
    const found = this.db.prepare('SELECT id FROM nodes WHERE name = ?').get(name) as { id: number } | undefined;
    if (found) return found.id;
    return Number(this.db.prepare('INSERT INTO nodes (name, created_at) VALUES (?, ?)').run(name, now()).lastInsertRowid);
  }

  /** The owner of cluster-wide captures (CLUSTER_OWNER), created on first use. */
  ensureClusterOwner(): number {
    const found = this.db.prepare('SELECT id FROM nodes WHERE cluster = 1').get() as { id: number } | undefined;
    if (found) return found.id;
    return Number(
      this.db.prepare('INSERT INTO nodes (name, created_at, cluster) VALUES (?, ?, 1)').run(CLUSTER_OWNER, now()).lastInsertRowid,
    );
  }

  findSource(sha256: string): number | null {
    const row = this.db.prepare('SELECT id FROM sources WHERE sha256 = ?').get(sha256) as { id: number } | undefined;
    return row ? row.id : null;
  }

  insertSource(path: string, sha256: string, size: number): number {
    return Number(
      this.db.prepare('INSERT INTO sources (path, sha256, size, imported_at) VALUES (?, ?, ?, ?)').run(path, sha256, size, now())
        .lastInsertRowid,
    );
  }

  // ---- captures ------------------------------------------------------------------------

  findCaptureByContent(nodeId: number, kind: CaptureKind, namespace: Namespace, contentHash: string): number | null {
    const row = this.db
      .prepare(`SELECT id FROM captures WHERE node_id = ? AND kind = ? AND ifnull(netns, '') = ? AND content_hash = ?`)
      .get(nodeId, kind, namespace?.name ?? '', contentHash) as { id: number } | undefined;
    return row ? row.id : null;
  }

  insertCapture(c: NewCapture): number {
    const { next } = this.db
      .prepare(`SELECT ifnull(max(snapshot), 0) + 1 AS next FROM captures WHERE node_id = ? AND kind = ? AND ifnull(netns, '') = ?`)
      .get(c.nodeId, c.kind, c.namespace?.name ?? '') as { next: number };
    const info = this.db
      .prepare(
        `INSERT INTO captures (node_id, source_id, kind, netns, netns_via, source_file, first_line, last_line, command,
           partial, content_hash, taken_at, records, imported_at, snapshot)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)`,
      )
      .run(
        c.nodeId, c.sourceId, c.kind, c.namespace?.name ?? null, c.namespace?.via ?? null, c.sourceFile, c.firstLine,
        c.lastLine, c.command, flag(c.partial), c.contentHash, c.takenAt, now(), next,
      );
    return Number(info.lastInsertRowid);
  }

  /** Records what part of the node's state the capture covers and the state changes typed before it. */
  setCaptureScope(id: number, scope: CaptureScope, changedBy: readonly StateChangeNote[] = []): void {
    this.db
      .prepare('UPDATE captures SET scope = ?, changed_by = ? WHERE id = ?')
      .run(JSON.stringify(scope), changedBy.length > 0 ? JSON.stringify(changedBy) : null, id);
  }

  /** Gives a capture stored before its content was hashed (a streamed import) its source, hash and lines. */
  placeCapture(id: number, sourceId: number, contentHash: string, firstLine: number, lastLine: number): void {
    this.db
      .prepare('UPDATE captures SET source_id = ?, content_hash = ?, first_line = ?, last_line = ? WHERE id = ?')
      .run(sourceId, contentHash, firstLine, lastLine, id);
  }

  /** Streams an iptables-save ruleset of `captureId` into the store, tape by tape (see ruleset-tape.ts). */
  rulesetTapeWriter(captureId: number, observer: TapeObserver | null = null): RulesetTapeWriter {
    return new RulesetTapeWriter(this.db, captureId, observer);
  }

  /** Sets what is only known once the records are in: their number, the capture's own time, a kind-specific summary. */
  finishCapture(id: number, records: number, takenAt: string | null, detail: unknown): void {
    this.db
      .prepare('UPDATE captures SET records = ?, taken_at = ?, detail = ? WHERE id = ?')
      .run(records, takenAt, detail === undefined || detail === null ? null : JSON.stringify(detail), id);
  }

  /** Stores the records of a parsed (non-packet) capture under `captureId`. */
  insertRecords(captureId: number, capture: ParsedCapture): void {
    switch (capture.kind) {
      case 'iptables-save':
      case 'iptables-list':
        this.insertRuleset(captureId, capture.ruleset);
        return;
      case 'ip-addr':
        this.insertInterfaces(captureId, capture.interfaces);
        return;
      case 'ip-route':
      case 'route-table':
        this.insertRoutes(captureId, capture.routes);
        return;
      case 'conntrack':
        this.insertConntrack(captureId, capture.entries);
        return;
      case 'bridge':
        this.insertBridgePorts(captureId, capture.ports);
        return;
      case 'kubectl':
        this.insertServices(captureId, 'kubectl', capture.services);
        this.insertEndpoints(captureId, 'kubectl', capture.endpoints.flatMap(endpointRecords));
        this.insertPods(captureId, capture.pods);
        return;
      case 'ip-rule':
        this.insertIpRules(captureId, capture.rules);
        return;
      case 'ip-neigh':
        this.insertNeighbours(captureId, capture.neighbours);
        return;
      case 'bridge-fdb':
        this.insertFdbEntries(captureId, capture.entries);
        return;
      default:
        return assertNever(capture);
    }
  }

  insertInterfaces(captureId: number, interfaces: readonly InterfaceRecord[]): void {
    const iface = this.db.prepare(
      `INSERT INTO interfaces (capture_id, name, ifindex, peer, link_netns, flags, mtu, state, master, link_type, mac, line, details)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const address = this.db.prepare(
      `INSERT INTO addresses (interface_id, family, cidr, peer, broadcast, scope, label, secondary, line)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    for (const i of interfaces) {
      const id = iface.run(
        captureId, i.name, i.index, i.peer, i.linkNetns, i.flags.join(','), i.mtu, i.state, i.master, i.linkType, i.mac, i.line,
        i.details === undefined ? null : JSON.stringify(i.details),
      ).lastInsertRowid;
      for (const a of i.addresses) {
        address.run(id, a.family, a.cidr, a.peer, a.broadcast, a.scope, a.label, flag(a.secondary), a.line);
      }
    }
  }

  insertRoutes(captureId: number, routes: readonly RouteRecord[]): void {
    const route = this.db.prepare(
      `INSERT INTO routes (capture_id, type, dst, family, via, dev, src, metric, route_table, scope, proto, flags, line, nexthops, nhid)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    for (const r of routes) {
      route.run(
        captureId, r.type, r.dst, r.family, r.via, r.dev, r.src, r.metric, r.table, r.scope, r.proto, r.flags.join(','), r.line,
        r.nexthops === undefined ? null : JSON.stringify(r.nexthops), r.nhid ?? null,
      );
    }
  }

  insertIpRules(captureId: number, rules: readonly RuleRecord[]): void {
    const row = this.db.prepare(
      `INSERT INTO ip_rules (capture_id, family, priority, invert, src, dst, iif, oif, fwmark, fwmask, tos, other, action,
         suppress_prefix, suppress_ifgroup, flags, line)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    for (const r of rules) {
      row.run(
        captureId, r.family, r.priority, flag(r.not), r.from, r.to, r.iif, r.oif, r.fwmark, r.fwmask, r.tos,
        JSON.stringify(r.other), JSON.stringify(r.action), r.suppressPrefixLength, r.suppressIfgroup, JSON.stringify(r.flags), r.line,
      );
    }
  }

  insertNeighbours(captureId: number, neighbours: readonly NeighbourRecord[]): void {
    const row = this.db.prepare(
      `INSERT INTO neighbours (capture_id, family, address, dev, lladdr, states, router, flags, line) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    for (const n of neighbours) {
      row.run(captureId, n.family, n.address, n.dev, n.lladdr, n.states.join(','), flag(n.router), JSON.stringify(n.flags), n.line);
    }
  }

  insertFdbEntries(captureId: number, entries: readonly FdbRecord[]): void {
    const row = this.db.prepare(
      `INSERT INTO fdb_entries (capture_id, mac, dev, master, vlan, dst, vni, via, self, state, flags, line)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    for (const e of entries) {
      row.run(captureId, e.mac, e.dev, e.master, e.vlan, e.dst, e.vni, e.via, flag(e.self), e.state, JSON.stringify(e.flags), e.line);
    }
  }

  insertRuleset(captureId: number, ruleset: Ruleset): void {
    const rulesetId = this.db
      .prepare(
        `INSERT INTO rulesets (capture_id, family, format, interfaces_shown, counters_shown, partial) VALUES (?, ?, ?, ?, ?, ?)`,
      )
      .run(
        captureId, ruleset.family, ruleset.origin.format, flag(ruleset.origin.interfacesShown),
        flag(ruleset.origin.countersShown), flag(ruleset.origin.partial),
      ).lastInsertRowid;
    const table = this.db.prepare('INSERT INTO rule_tables (ruleset_id, name, line) VALUES (?, ?, ?)');
    // Chains get their ids here, so that tens of thousands of them go in batches like the rules.
    let chainId = maxId(this.db, 'chains');
    const chains = new BatchInsert(this.db, 'chains', CHAIN_COLUMNS, 128);
    const rules = new BatchInsert(this.db, 'rules', RULE_COLUMNS, 256);
    const row: unknown[] = [];
    for (const t of ruleset.tables) {
      const tableId = table.run(rulesetId, t.name, t.line).lastInsertRowid;
      const firstChainId = chainId + 1;
      for (const c of t.chains) {
        row.length = 0;
        pushChainRow(row, ++chainId, Number(tableId), c);
        chains.add(row);
      }
      // Chains before their rules: each rule names its chain.
      chains.flush();
      chainId = firstChainId - 1;
      for (const c of t.chains) {
        chainId++;
        for (const r of c.rules) {
          row.length = 0;
          pushRuleRow(row, chainId, r);
          rules.add(row);
        }
      }
    }
    rules.flush();
  }

  insertConntrack(captureId: number, entries: readonly ConntrackEntry[]): void {
    const rows = new BatchInsert(this.db, 'conntrack', CONNTRACK_COLUMNS, 64);
    const icmp = (t: ConntrackTuple): string | null => (t.icmp ? JSON.stringify(t.icmp) : null);
    for (const e of entries) {
      const o = e.original;
      const r = e.reply;
      rows.add([
        captureId, e.family, e.proto, e.protoNumber, e.timeout, e.state,
        o.src, o.dst, o.sport, o.dport, icmp(o), o.packets, o.bytes,
        r.src, r.dst, r.sport, r.dport, icmp(r), r.packets, r.bytes,
        flag(e.unreplied), flag(e.assured), e.flags.join(','), e.mark, e.zone, e.use, e.line,
      ]);
    }
    rows.flush();
  }

  insertBridgePorts(captureId: number, ports: readonly BridgePortRecord[]): void {
    const port = this.db.prepare('INSERT INTO bridge_ports (capture_id, bridge, port, state, line) VALUES (?, ?, ?, ?, ?)');
    for (const p of ports) port.run(captureId, p.bridge, p.port, p.state, p.line);
  }

  /** Service rows go in batches with their ids given (maxId), so that their ports can name them. */
  insertServices(captureId: number, origin: K8sOrigin, services: readonly ServiceRecord[]): void {
    const serviceRows = new BatchInsert(this.db, 'services', SERVICE_COLUMNS, 64);
    const portRows = new BatchInsert(this.db, 'service_ports', SERVICE_PORT_COLUMNS, 64);
    const base = maxId(this.db, 'services');
    services.forEach((s, i) => {
      serviceRows.add([
        base + i + 1, captureId, origin, s.namespace, s.name, s.type, s.clusterIP, s.externalIPs.join(','), s.loadBalancerIPs.join(','),
        s.selector, s.line,
      ]);
    });
    // Every service row first: a port names its service.
    serviceRows.flush();
    services.forEach((s, i) => {
      for (const p of s.ports) portRows.add([base + i + 1, p.name, p.port, p.protocol, p.targetPort, p.nodePort]);
    });
    portRows.flush();
  }

  insertEndpoints(captureId: number, origin: K8sOrigin, endpoints: readonly EndpointRecord[]): void {
    const rows = this.endpointRows(captureId, origin);
    for (const e of endpoints) rows.add(e);
    rows.flush();
  }

  /** Endpoint rows of one capture, written a batch at a time as they are added; flush() after the last. */
  endpointRows(captureId: number, origin: K8sOrigin): { add(e: EndpointRecord): void; flush(): void } {
    const rows = new BatchInsert(this.db, 'endpoints', ENDPOINT_COLUMNS, 128);
    const row: unknown[] = [captureId, origin, null, null, null, null, null, null];
    return {
      add(e) {
        row[2] = e.namespace;
        row[3] = e.name;
        row[4] = e.portName;
        row[5] = e.address;
        row[6] = e.port;
        row[7] = e.line;
        rows.add(row);
      },
      flush: () => rows.flush(),
    };
  }

  insertPods(captureId: number, pods: readonly PodRecord[]): void {
    const pod = this.db.prepare(
      'INSERT INTO pods (capture_id, namespace, name, status, ip, node, line) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    for (const p of pods) pod.run(captureId, p.namespace, p.name, p.status, p.ip, p.node, p.line);
  }

  /** Streams packets into `captureId` a block at a time (see PacketStore.writer). */
  packetWriter(captureId: number, tupleCacheLimit = TUPLE_CACHE_LIMIT): PacketWriter {
    return this.packets.writer(captureId, tupleCacheLimit);
  }

  /** Removes a capture and everything read from it (packet blocks and tuples cascade). */
  deleteCapture(id: number): void {
    this.transaction(() => {
      this.db.prepare('DELETE FROM captures WHERE id = ?').run(id);
    });
  }

  insertTextBlock(b: TextBlockRow): void {
    this.db
      .prepare(
        `INSERT INTO text_blocks (source_id, node, source_file, first_line, last_line, command, reason, text)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(b.sourceId, b.node, b.sourceFile, b.firstLine, b.lastLine, b.command, b.reason, b.text);
  }

  // ---- reading ---------------------------------------------------------------------------

  /** The nodes, not the cluster owner. */
  listNodes(): Array<{ id: number; name: string }> {
    return this.db.prepare('SELECT id, name FROM nodes WHERE cluster = 0 ORDER BY name').all() as Array<{ id: number; name: string }>;
  }

  findNode(name: string): number | null {
    const row = this.db.prepare('SELECT id FROM nodes WHERE name = ? AND cluster = 0').get(name) as { id: number } | undefined;
    return row ? row.id : null;
  }

  /** Every kubectl capture of the project, whoever owns it (the cluster, or a node in a project imported before owners), oldest first. */
  kubectlCaptures(): CaptureRow[] {
    return (this.db.prepare(`${CAPTURE_SELECT} WHERE kind = 'kubectl' ORDER BY id`).all() as RawCaptureRow[]).map(captureRow);
  }

  /** The node's captures, oldest first within each kind. */
  capturesOf(nodeId: number): CaptureRow[] {
    return (this.db.prepare(`${CAPTURE_SELECT} WHERE node_id = ? ORDER BY id`).all(nodeId) as RawCaptureRow[]).map(captureRow);
  }

  capture(id: number): CaptureRow | null {
    const row = this.db.prepare(`${CAPTURE_SELECT} WHERE id = ?`).get(id) as RawCaptureRow | undefined;
    return row ? captureRow(row) : null;
  }

  /**
   * The newest capture of one of `kinds` taken in the node's own namespace (`netns` null) or in the
   * named one. Newest = imported last (ids grow with import order, and with file order within a transcript).
   */
  newestCapture(nodeId: number, kinds: readonly CaptureKind[], netns: string | null = null): CaptureRow | null {
    const marks = kinds.map(() => '?').join(',');
    const row = this.db
      .prepare(
        `${CAPTURE_SELECT} WHERE node_id = ? AND kind IN (${marks}) AND ifnull(netns, '') = ?
         ORDER BY id DESC LIMIT 1`,
      )
      .get(nodeId, ...kinds, netns ?? '') as RawCaptureRow | undefined;
    return row ? captureRow(row) : null;
  }

  interfacesOf(captureId: number): InterfaceRecord[] {
    const interfaces = this.db
      .prepare('SELECT * FROM interfaces WHERE capture_id = ? ORDER BY id')
      .all(captureId) as Array<Record<string, unknown>>;
    const addresses = this.db.prepare('SELECT * FROM addresses WHERE interface_id = ? ORDER BY id');
    return interfaces.map((i) => ({
      ...(i.details === null ? {} : { details: JSON.parse(i.details as string) as LinkDetails }),
      name: i.name as string,
      index: i.ifindex as number | null,
      peer: i.peer as string | null,
      linkNetns: i.link_netns as string | null,
      flags: splitList(i.flags as string),
      mtu: i.mtu as number | null,
      state: i.state as string | null,
      master: i.master as string | null,
      linkType: i.link_type as string | null,
      mac: i.mac as string | null,
      line: i.line as number,
      addresses: (addresses.all(i.id) as Array<Record<string, unknown>>).map((a) => ({
        family: a.family as 'ipv4' | 'ipv6',
        cidr: a.cidr as string,
        peer: a.peer as string | null,
        broadcast: a.broadcast as string | null,
        scope: a.scope as string | null,
        label: a.label as string | null,
        secondary: a.secondary === 1,
        line: a.line as number,
      })),
    }));
  }

  routesOf(captureId: number): RouteRecord[] {
    const rows = this.db.prepare('SELECT * FROM routes WHERE capture_id = ? ORDER BY id').all(captureId) as Array<Record<string, unknown>>;
    return rows.map((r) => ({
      ...(r.nexthops === null ? {} : { nexthops: JSON.parse(r.nexthops as string) as NexthopRecord[] }),
      ...(r.nhid === null ? {} : { nhid: r.nhid as number }),
      type: r.type as RouteType,
      dst: r.dst as string,
      family: r.family as 'ipv4' | 'ipv6',
      via: r.via as string | null,
      dev: r.dev as string | null,
      src: r.src as string | null,
      metric: r.metric as number | null,
      table: r.route_table as string,
      scope: r.scope as string | null,
      proto: r.proto as string | null,
      flags: splitList(r.flags as string),
      line: r.line as number,
    }));
  }

  ipRulesOf(captureId: number): RuleRecord[] {
    const rows = this.db.prepare('SELECT * FROM ip_rules WHERE capture_id = ? ORDER BY id').all(captureId) as Array<Record<string, unknown>>;
    return rows.map((r) => ({
      family: r.family as 'ipv4' | 'ipv6',
      priority: r.priority as number,
      not: r.invert === 1,
      from: r.src as string | null,
      to: r.dst as string | null,
      iif: r.iif as string | null,
      oif: r.oif as string | null,
      fwmark: r.fwmark as number | null,
      fwmask: r.fwmask as number | null,
      tos: r.tos as number | null,
      other: JSON.parse(r.other as string) as string[],
      action: JSON.parse(r.action as string) as RuleAction,
      suppressPrefixLength: r.suppress_prefix as number | null,
      suppressIfgroup: r.suppress_ifgroup as string | null,
      flags: JSON.parse(r.flags as string) as string[],
      line: r.line as number,
    }));
  }

  neighboursOf(captureId: number): NeighbourRecord[] {
    const rows = this.db.prepare('SELECT * FROM neighbours WHERE capture_id = ? ORDER BY id').all(captureId) as Array<Record<string, unknown>>;
    return rows.map((n) => ({
      family: n.family as 'ipv4' | 'ipv6',
      address: n.address as string,
      dev: n.dev as string | null,
      lladdr: n.lladdr as string | null,
      states: splitList(n.states as string),
      router: n.router === 1,
      flags: JSON.parse(n.flags as string) as string[],
      line: n.line as number,
    }));
  }

  fdbEntriesOf(captureId: number): FdbRecord[] {
    const rows = this.db.prepare('SELECT * FROM fdb_entries WHERE capture_id = ? ORDER BY id').all(captureId) as Array<Record<string, unknown>>;
    return rows.map((e) => ({
      mac: e.mac as string,
      dev: e.dev as string | null,
      master: e.master as string | null,
      vlan: e.vlan as number | null,
      dst: e.dst as string | null,
      vni: e.vni as number | null,
      via: e.via as string | null,
      self: e.self === 1,
      state: e.state as string | null,
      flags: JSON.parse(e.flags as string) as string[],
      line: e.line as number,
    }));
  }

  bridgePortsOf(captureId: number): BridgePortRecord[] {
    return this.db
      .prepare('SELECT bridge, port, state, line FROM bridge_ports WHERE capture_id = ? ORDER BY id')
      .all(captureId) as BridgePortRecord[];
  }

  /** rulesetsOf, with each chain's rules read from the database when first used (lazy-rulesets.ts). */
  lazyRulesetsOf(captureId: number): Ruleset[] {
    return readRulesetsLazily(this.db, this.path, captureId);
  }

  /** Rebuilds the rulesets of an iptables capture (one per family it held) from the stored rows. */
  rulesetsOf(captureId: number): Ruleset[] {
    const rulesets = this.db.prepare('SELECT * FROM rulesets WHERE capture_id = ? ORDER BY id').all(captureId) as Array<Record<string, unknown>>;
    const tables = this.db.prepare('SELECT * FROM rule_tables WHERE ruleset_id = ? ORDER BY id');
    const chains = this.db.prepare('SELECT * FROM chains WHERE table_id = ? ORDER BY id');
    // A table's rules in one query, not one per chain: kube-proxy tables have tens of thousands of chains.
    const rules = this.db.prepare(
      `SELECT chain_id, position, text, line, packets, bytes, matches, target FROM rules
       WHERE chain_id IN (SELECT id FROM chains WHERE table_id = ?) ORDER BY chain_id, position`,
    );
    const counters = (row: Record<string, unknown>): Counters | null =>
      row.packets === null || row.bytes === null ? null : { packets: row.packets as number, bytes: row.bytes as number };
    const rule = (r: Record<string, unknown>): Rule => ({
      position: r.position as number,
      text: r.text as string,
      line: r.line as number,
      counters: counters(r),
      matches: JSON.parse(r.matches as string) as Match[],
      target: r.target === null ? null : (JSON.parse(r.target as string) as Target),
    });
    return rulesets.map((rs) => ({
      family: rs.family as 'ipv4' | 'ipv6',
      origin: {
        format: rs.format as 'iptables-save' | 'iptables-list',
        interfacesShown: rs.interfaces_shown === 1,
        countersShown: rs.counters_shown === 1,
        partial: rs.partial === 1,
      },
      tables: (tables.all(rs.id) as Array<Record<string, unknown>>).map((t): Table => {
        const byChain = new Map<number, Rule[]>();
        const chainRows = chains.all(t.id) as Array<Record<string, unknown>>;
        for (const r of rules.iterate(t.id) as Iterable<Record<string, unknown>>) {
          const chainId = r.chain_id as number;
          let list = byChain.get(chainId);
          if (list === undefined) byChain.set(chainId, (list = []));
          list.push(rule(r));
        }
        return {
          name: t.name as TableName,
          line: t.line as number,
          chains: chainRows.map(
            (c): Chain => ({
              name: c.name as string,
              builtin: c.builtin === 1,
              policy: c.policy as 'ACCEPT' | 'DROP' | null,
              counters: counters(c),
              line: c.line as number,
              rules: byChain.get(c.id as number) ?? [],
            }),
          ),
        };
      }),
    }));
  }

  /** Up to `limit` packets of a capture from frame `fromFrame` on, in frame order. */
  packetsOf(captureId: number, fromFrame = 1, limit = 1000): PacketRow[] {
    return this.packets.packetsOf(captureId, fromFrame, limit);
  }

  /** Every captured packet, in any capture, with exactly this directional 5-tuple (ports null for none). */
  packetsWithTuple(t: PacketTuple): PacketRow[] {
    return this.packets.packetsWithTuple(t);
  }

  /** A capture's packets in time order (then frame), streaming. */
  iteratePackets(captureId: number): Generator<PacketRow> {
    return this.packets.iterate(captureId);
  }

  /** Row counts per table (packets: stored packets): what tests and `--verbose` diagnostics look at. */
  count(table: CountedTable, captureId?: number): number {
    if (table === 'packets') return this.packets.count(captureId);
    const sql =
      captureId === undefined
        ? `SELECT count(*) AS n FROM ${table}`
        : `SELECT count(*) AS n FROM ${table} WHERE capture_id = ?`;
    const stmt = this.db.prepare(sql);
    const row = (captureId === undefined ? stmt.get() : stmt.get(captureId)) as { n: number };
    return row.n;
  }

  services(captureId: number): Array<ServiceRecord & { origin: K8sOrigin }> {
    const rows = this.db.prepare('SELECT * FROM services WHERE capture_id = ? ORDER BY id').all(captureId) as Array<Record<string, unknown>>;
    const ports = this.db.prepare('SELECT * FROM service_ports WHERE service_id = ? ORDER BY id');
    return rows.map((s) => ({
      origin: s.origin as K8sOrigin,
      namespace: s.namespace as string,
      name: s.name as string,
      type: s.type as string | null,
      clusterIP: s.cluster_ip as string | null,
      externalIPs: splitList(s.external_ips as string),
      loadBalancerIPs: splitList(s.load_balancer_ips as string),
      selector: s.selector as string | null,
      line: s.line as number,
      ports: (ports.all(s.id) as Array<Record<string, unknown>>).map((p) => ({
        name: p.name as string | null,
        port: p.port as number,
        protocol: p.protocol as 'TCP' | 'UDP' | 'SCTP',
        targetPort: p.target_port as string | null,
        nodePort: p.node_port as number | null,
      })),
    }));
  }

  endpoints(captureId: number): Array<EndpointRecord & { origin: K8sOrigin }> {
    const rows = this.db.prepare('SELECT * FROM endpoints WHERE capture_id = ? ORDER BY id').all(captureId) as Array<Record<string, unknown>>;
    return rows.map((e) => ({
      origin: e.origin as K8sOrigin,
      namespace: e.namespace as string,
      name: e.name as string,
      portName: e.port_name as string | null,
      address: e.address as string,
      port: e.port as number | null,
      line: e.line as number,
    }));
  }
}

/** A failure of the database itself (disk full, locked, corrupt): importing further files is pointless. */
/** True when the file (if it exists) and its folder may be written: SQLite's WAL needs both. */
function projectWritable(path: string): boolean {
  if (path === ':memory:' || path === '') return true;
  try {
    if (fs.existsSync(path)) fs.accessSync(path, fs.constants.W_OK);
    fs.accessSync(nodePath.dirname(nodePath.resolve(path)), fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * A read-only project, read into memory: SQLite cannot open a WAL database whose folder it may not write
 * (it needs the -shm file), and reading stores what it derives (stitched flows). The header's WAL marks
 * are set back to the rollback journal's, which a database in memory needs.
 */
function openCopyInMemory(path: string, binding: { nativeBinding?: string }): Database.Database {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(path);
    if (fs.statSync(`${path}-wal`, { throwIfNoEntry: false })?.size) {
      throw new ModelError(path, `the project is read-only here and its last writes are still in ${path}-wal, which only a process that may write it can merge`);
    }
  } catch (e) {
    if (e instanceof ModelError) throw e;
    throw new ModelError(path, describeReadError(e));
  }
  if (bytes.length >= 20 && bytes[18] === 2 && bytes[19] === 2) {
    bytes[18] = 1;
    bytes[19] = 1;
  }
  return new Database(bytes, binding);
}

function describeReadError(e: unknown): string {
  const code = e && typeof e === 'object' && 'code' in e ? (e as { code: unknown }).code : null;
  if (code === 'ENOENT') return 'no such project file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return e instanceof Error ? e.message : String(e);
}

export function isDatabaseError(e: unknown): boolean {
  return e instanceof Database.SqliteError;
}

export type CountedTable =
  | 'captures' | 'interfaces' | 'routes' | 'rulesets' | 'conntrack' | 'packets' | 'packet_tuples' | 'bridge_ports'
  | 'services' | 'endpoints' | 'pods' | 'nodes' | 'sources' | 'text_blocks' | 'rules' | 'chains' | 'addresses'
  | 'ip_rules' | 'neighbours' | 'fdb_entries';

const CAPTURE_SELECT = `SELECT id, node_id, kind, netns, netns_via, source_file, first_line, last_line, command, partial,
  taken_at, records, imported_at, snapshot, detail, scope, changed_by FROM captures`;

interface RawCaptureRow {
  id: number;
  node_id: number;
  kind: CaptureKind;
  netns: string | null;
  netns_via: string | null;
  source_file: string;
  first_line: number | null;
  last_line: number | null;
  command: string | null;
  partial: number;
  taken_at: string | null;
  records: number;
  imported_at: string;
  snapshot: number;
  detail: string | null;
  scope: string | null;
  changed_by: string | null;
}

function captureRow(r: RawCaptureRow): CaptureRow {
  return {
    id: r.id,
    nodeId: r.node_id,
    kind: r.kind,
    netns: r.netns,
    netnsVia: r.netns_via,
    sourceFile: r.source_file,
    firstLine: r.first_line,
    lastLine: r.last_line,
    command: r.command,
    partial: r.partial === 1,
    takenAt: r.taken_at,
    records: r.records,
    importedAt: r.imported_at,
    snapshot: r.snapshot,
    detail: r.detail,
    scope: parseCaptureScope(r.scope),
    changedBy: r.changed_by === null ? [] : (JSON.parse(r.changed_by) as StateChangeNote[]),
  };
}

function splitList(text: string): string[] {
  return text === '' ? [] : text.split(',');
}

/** kubectl's `10.40.0.6:8080,10.40.0.7:8080` list → one record per address (`<none>` and `+ N more...` dropped). */
function endpointRecords(e: { namespace: string; name: string; endpoints: string[]; line: number }): EndpointRecord[] {
  const out: EndpointRecord[] = [];
  for (const text of e.endpoints) {
    const m = /^\[?([0-9a-fA-F.:]+?)\]?(?::(\d+))?$/.exec(text);
    if (!m) continue;
    out.push({ namespace: e.namespace, name: e.name, portName: null, address: m[1], port: m[2] ? Number(m[2]) : null, line: e.line });
  }
  return out;
}

/**
 * The project store: one SQLite file per project, and the only module that speaks SQL to it. Store holds the
 * connection and its transactions; the SQL of each table lives in its row module (rows/), which Store fronts
 * so that callers hold one object. Writers take parser records; readers return plain rows or rebuild the records.
 */
import fs from 'node:fs';
import nodePath from 'node:path';
import Database from 'better-sqlite3';
import type {
  BridgePortRecord, CaptureKind, ConntrackEntry, FdbRecord, InterfaceRecord, NeighbourRecord, ParsedCapture, PodRecord, ProbeRecord,
  RouteRecord, RuleRecord, ServiceRecord, SysctlRecord,
} from '../records/records';
import type { CaptureScope } from '../capture/capture-scope';
import type { StateChangeNote } from '../capture/capture-unit';
import type { Ruleset } from '../netfilter/ruleset';
import { assertNever } from '../common/assert-never';
import { RulesetTapeWriter } from './ruleset-tape';
import { ModelError } from './model-error';
import { readRulesetsLazily } from './lazy-rulesets';
import { PacketStore, TUPLE_CACHE_LIMIT, type PacketRow, type PacketTuple, type PacketWriter } from './packet-store';
import { assertProjectDatabase, migrate } from './schema';
import { installedSqliteBinding } from './sqlite-binding';
import { once, retryWhileBusy, sayingWhenWaiting, WRITE_WAIT_MS } from './write-turn';
import * as nodeRows from './rows/nodes';
import * as captureRows from './rows/captures';
import * as interfaceRows from './rows/interfaces';
import * as routeRows from './rows/routes';
import * as ipRuleRows from './rows/ip-rules';
import * as neighbourRows from './rows/neighbours';
import * as bridgeRows from './rows/bridges';
import * as rulesetRows from './rows/rulesets';
import * as conntrackRows from './rows/conntrack';
import * as k8sRows from './rows/kubernetes';
import * as textBlockRows from './rows/text-blocks';
import { rowTicker, type RowTick } from './rows/row-tick';
import * as kernelTraceRows from './rows/kernel-trace';
import * as sysctlRows from './rows/sysctl';
import * as probeRows from './rows/probes';
import type { CaptureRow, Namespace, NewCapture } from './rows/captures';
import type { EndpointRecord, K8sOrigin } from './rows/kubernetes';
import type { ServiceBlock } from './service-block';
import type { TextBlockRow } from './rows/text-blocks';

export type { PacketRow, PacketTuple, PacketWriter };
export type { CaptureRow, Namespace, NewCapture, EndpointRecord, K8sOrigin, TextBlockRow };
export { CLUSTER_OWNER } from './rows/nodes';

export interface OpenOptions {
  /** Refuse to create the file (read-side commands on a project that does not exist). */
  mustExist?: boolean;
  /** Path of a better-sqlite3 addon built for the running ABI (Electron's main process); null or absent: the installed one. */
  nativeBinding?: string | null;
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
    const nativeBinding = options.nativeBinding ?? installedSqliteBinding();
    const binding = nativeBinding === null ? {} : { nativeBinding };
    const readOnly = !projectWritable(path);
    if (readOnly && (options.access ?? 'write') === 'write') {
      throw new ModelError(path, 'the project is read-only here (no write permission on the file or its folder): natlens can show, trace and report it, not import into it');
    }
    // Looked at before the open creates it: a new project's schema goes straight into the file (see below).
    const fresh = !readOnly && isNewFile(path);
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
        if (!fresh) retryWhileBusy(() => db.pragma('journal_mode = WAL'), onWait);
        db.pragma('synchronous = NORMAL');
        db.pragma('foreign_keys = ON');
        // 64 MiB of page cache: a million-packet import keeps its indexes' hot pages in memory.
        db.pragma('cache_size = -65536');
        migrate(db, path);
        // A new project's schema (~70 pages of 64 KiB) is written by the rollback journal, once, into the file; in
        // WAL it would be written to the WAL and again into the file by a checkpoint (the next withBulkJournal's, or
        // the close). New pages need no journal, so this costs nothing in safety: a killed open leaves no schema or all of it.
        if (fresh) {
          retryWhileBusy(() => db.pragma('journal_mode = WAL'), onWait);
          // A read opens the WAL for this connection now, as the switch does for an existing project: without it,
          // withBulkJournal beside another open connection waited for that one to let go instead of staying in WAL.
          db.prepare('SELECT 1 FROM sqlite_master LIMIT 1').get();
        }
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
    // BEGIN waits for another process's write in short turns (retryWhileBusy), not in SQLite's busy timeout, so
    // that whoever waits is told why first and a worker thread waiting its turn can be stopped. Once begun, the
    // transaction waits as any other (a commit in rollback-journal mode waits for readers).
    let begun = false;
    const tx = this.db.transaction(() => {
      begun = true;
      this.db.pragma(`busy_timeout = ${WRITE_WAIT_MS}`);
      return fn();
    });
    try {
      return retryWhileBusy(
        () => {
          this.db.pragma('busy_timeout = 0');
          return tx.immediate();
        },
        this.onWaitForWriter,
        WRITE_WAIT_MS,
        () => !begun,
      );
    } finally {
      this.db.pragma(`busy_timeout = ${WRITE_WAIT_MS}`);
    }
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
    return nodeRows.ensureNode(this.db, name);
  }

  /** The owner of cluster-wide captures (CLUSTER_OWNER), created on first use. */
  ensureClusterOwner(): number {
    return nodeRows.ensureClusterOwner(this.db);
  }

  findSource(sha256: string): number | null {
    return nodeRows.findSource(this.db, sha256);
  }

  hasSourceOfSize(size: number): boolean {
    return nodeRows.hasSourceOfSize(this.db, size);
  }

  insertSource(path: string, sha256: string, size: number): number {
    return nodeRows.insertSource(this.db, path, sha256, size);
  }

  // ---- captures ------------------------------------------------------------------------

  findCaptureByContent(nodeId: number, kind: CaptureKind, namespace: Namespace, contentHash: string): number | null {
    return captureRows.findCaptureByContent(this.db, nodeId, kind, namespace, contentHash);
  }

  insertCapture(c: NewCapture): number {
    return captureRows.insertCapture(this.db, c);
  }

  setCaptureScope(id: number, scope: CaptureScope, changedBy: readonly StateChangeNote[] = []): void {
    captureRows.setCaptureScope(this.db, id, scope, changedBy);
  }

  placeCapture(id: number, sourceId: number, contentHash: string, firstLine: number | null, lastLine: number | null): void {
    captureRows.placeCapture(this.db, id, sourceId, contentHash, firstLine, lastLine);
  }

  /** Streams an iptables-save ruleset of `captureId` into the store, tape by tape (see ruleset-tape.ts). */
  rulesetTapeWriter(captureId: number): RulesetTapeWriter {
    return new RulesetTapeWriter(this.db, captureId);
  }

  finishCapture(id: number, records: number, takenAt: string | null, detail: unknown): void {
    captureRows.finishCapture(this.db, id, records, takenAt, detail);
  }

  /**
   * Stores the records of a parsed (non-packet) capture under `captureId`. `onRows` is called with the records
   * stored so far every LINES_PER_REPORT of them (a BGP table is ~10^6 routes): where the insert reports progress,
   * and where a cancel is heard (a throw there rolls back with the caller's transaction).
   */
  insertRecords(captureId: number, capture: ParsedCapture, onRows?: (rows: number) => void): void {
    const tick = rowTicker(onRows);
    switch (capture.kind) {
      case 'iptables-save':
      case 'iptables-list':
        this.insertRuleset(captureId, capture.ruleset, tick);
        return;
      case 'nft-ruleset':
        for (const ruleset of capture.rulesets) this.insertRuleset(captureId, ruleset, tick);
        return;
      case 'ip-addr':
        this.insertInterfaces(captureId, capture.interfaces, tick);
        return;
      case 'ip-route':
      case 'route-table':
        this.insertRoutes(captureId, capture.routes, tick);
        return;
      case 'conntrack':
        this.insertConntrack(captureId, capture.entries, tick);
        return;
      case 'bridge':
        this.insertBridgePorts(captureId, capture.ports, tick);
        return;
      case 'kubectl':
        this.insertServices(captureId, 'kubectl', capture.services, tick);
        this.insertEndpoints(captureId, 'kubectl', capture.endpoints.flatMap(k8sRows.endpointRecords), tick);
        this.insertPods(captureId, capture.pods, tick);
        return;
      case 'ip-rule':
        this.insertIpRules(captureId, capture.rules, tick);
        return;
      case 'ip-neigh':
        this.insertNeighbours(captureId, capture.neighbours, tick);
        return;
      case 'bridge-fdb':
        this.insertFdbEntries(captureId, capture.entries, tick);
        return;
      case 'kernel-trace':
        kernelTraceRows.insertKernelTrace(this.db, captureId, capture.events, tick);
        return;
      case 'sysctl':
        sysctlRows.insertSysctl(this.db, captureId, capture.settings, tick);
        return;
      case 'probe':
        probeRows.insertProbes(this.db, captureId, capture.probes, tick);
        return;
      default:
        return assertNever(capture);
    }
  }

  insertInterfaces(captureId: number, interfaces: readonly InterfaceRecord[], tick?: RowTick): void {
    interfaceRows.insertInterfaces(this.db, captureId, interfaces, tick);
  }

  insertRoutes(captureId: number, routes: readonly RouteRecord[], tick?: RowTick): void {
    routeRows.insertRoutes(this.db, captureId, routes, tick);
  }

  insertIpRules(captureId: number, rules: readonly RuleRecord[], tick?: RowTick): void {
    ipRuleRows.insertIpRules(this.db, captureId, rules, tick);
  }

  insertNeighbours(captureId: number, neighbours: readonly NeighbourRecord[], tick?: RowTick): void {
    neighbourRows.insertNeighbours(this.db, captureId, neighbours, tick);
  }

  insertFdbEntries(captureId: number, entries: readonly FdbRecord[], tick?: RowTick): void {
    bridgeRows.insertFdbEntries(this.db, captureId, entries, tick);
  }

  insertRuleset(captureId: number, ruleset: Ruleset, tick?: RowTick): void {
    rulesetRows.insertRuleset(this.db, captureId, ruleset, tick);
  }

  insertConntrack(captureId: number, entries: readonly ConntrackEntry[], tick?: RowTick): void {
    conntrackRows.insertConntrack(this.db, captureId, entries, tick);
  }

  /** Conntrack rows stored as they are read (a busy node's table is not held whole). */
  conntrackWriter(captureId: number): conntrackRows.ConntrackWriter {
    return conntrackRows.conntrackWriter(this.db, captureId);
  }

  insertBridgePorts(captureId: number, ports: readonly BridgePortRecord[], tick?: RowTick): void {
    bridgeRows.insertBridgePorts(this.db, captureId, ports, tick);
  }

  insertServices(captureId: number, origin: K8sOrigin, services: readonly ServiceRecord[], tick?: RowTick): void {
    k8sRows.insertServices(this.db, captureId, origin, services, tick);
  }

  insertEndpoints(captureId: number, origin: K8sOrigin, endpoints: readonly EndpointRecord[], tick?: RowTick): void {
    k8sRows.insertEndpoints(this.db, captureId, origin, endpoints, tick);
  }

  /** A capture's services and endpoints as one block (kube-proxy's: thousands at once). */
  insertServiceBlock(captureId: number, origin: K8sOrigin, block: ServiceBlock): void {
    k8sRows.insertServiceBlock(this.db, captureId, origin, block);
  }

  insertPods(captureId: number, pods: readonly PodRecord[], tick?: RowTick): void {
    k8sRows.insertPods(this.db, captureId, pods, tick);
  }

  /** Streams packets into `captureId` a block at a time (see PacketStore.writer). */
  packetWriter(captureId: number, tupleCacheLimit = TUPLE_CACHE_LIMIT): PacketWriter {
    return this.packets.writer(captureId, tupleCacheLimit);
  }

  /** Removes a capture and everything read from it (packet blocks and tuples cascade). */
  deleteCapture(id: number): void {
    this.transaction(() => captureRows.deleteCapture(this.db, id));
  }

  insertTextBlock(b: TextBlockRow): void {
    textBlockRows.insertTextBlock(this.db, b);
  }

  // ---- reading ---------------------------------------------------------------------------

  listNodes(): Array<{ id: number; name: string }> {
    return nodeRows.listNodes(this.db);
  }

  findNode(name: string): number | null {
    return nodeRows.findNode(this.db, name);
  }

  kubectlCaptures(): CaptureRow[] {
    return captureRows.kubectlCaptures(this.db);
  }

  unreadBlocks(limit: number): ReturnType<typeof textBlockRows.unreadBlocks> {
    return textBlockRows.unreadBlocks(this.db, limit);
  }

  podsOf(captureId: number): ReturnType<typeof k8sRows.podsOf> {
    return k8sRows.podsOf(this.db, captureId);
  }

  capturesOf(nodeId: number): CaptureRow[] {
    return captureRows.capturesOf(this.db, nodeId);
  }

  capture(id: number): CaptureRow | null {
    return captureRows.captureById(this.db, id);
  }

  newestCapture(nodeId: number, kinds: readonly CaptureKind[], netns: string | null = null): CaptureRow | null {
    return captureRows.newestCapture(this.db, nodeId, kinds, netns);
  }

  interfacesOf(captureId: number): InterfaceRecord[] {
    return interfaceRows.interfacesOf(this.db, captureId);
  }

  /** `pause`: see rows/routes.ts. */
  routesOf(captureId: number, pause?: () => void): RouteRecord[] {
    return routeRows.routesOf(this.db, captureId, pause);
  }

  ipRulesOf(captureId: number): RuleRecord[] {
    return ipRuleRows.ipRulesOf(this.db, captureId);
  }

  neighboursOf(captureId: number): NeighbourRecord[] {
    return neighbourRows.neighboursOf(this.db, captureId);
  }

  fdbEntriesOf(captureId: number): FdbRecord[] {
    return bridgeRows.fdbEntriesOf(this.db, captureId);
  }

  /** The kernel trace events of one capture, in line order. */
  kernelTraceOf(captureId: number): kernelTraceRows.KernelTraceRow[] {
    return kernelTraceRows.kernelTraceOf(this.db, captureId);
  }

  /** kernelTraceOf read a row at a time, for a pass that keeps little of each (no other statement until it is done). */
  eachKernelTraceOf(captureId: number): Generator<kernelTraceRows.KernelTraceRow> {
    return kernelTraceRows.eachKernelTraceOf(this.db, captureId);
  }

  /** Traced packets from `src` to `dst` (any capture), in capture then line order. */
  kernelTraceBetween(src: string, dst: string): kernelTraceRows.KernelTraceRow[] {
    return kernelTraceRows.kernelTraceBetween(this.db, src, dst);
  }

  kernelTraceCaptures(): kernelTraceRows.KernelTraceCaptureRow[] {
    return kernelTraceRows.kernelTraceCaptures(this.db);
  }

  /** The kernel settings one capture showed, in line order. */
  sysctlOf(captureId: number): SysctlRecord[] {
    return sysctlRows.sysctlOf(this.db, captureId);
  }

  /** The probe captures (curl, wget, nc, telnet, ping outputs), in import order. */
  probeCaptures(): probeRows.ProbeCaptureRow[] {
    return probeRows.probeCaptures(this.db);
  }

  probesOf(captureId: number): ProbeRecord[] {
    return probeRows.probesOf(this.db, captureId);
  }

  hasKernelTrace(): boolean {
    return kernelTraceRows.hasKernelTrace(this.db);
  }

  bridgePortsOf(captureId: number): BridgePortRecord[] {
    return bridgeRows.bridgePortsOf(this.db, captureId);
  }

  /** rulesetsOf, with each chain's rules read from the database when first used (lazy-rulesets.ts). */
  lazyRulesetsOf(captureId: number): Ruleset[] {
    return readRulesetsLazily(this.db, this.path, captureId);
  }

  /** Rebuilds the rulesets of an iptables capture (one per family it held) from the stored rows. */
  rulesetsOf(captureId: number): Ruleset[] {
    return rulesetRows.rulesetsOf(this.db, this.path, captureId);
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
    // Tuples are stored in blocks (tuple-block.ts): the blocks say how many.
    if (table === 'packet_tuples') {
      const n = captureId === undefined
        ? this.db.prepare('SELECT ifnull(sum(tuples), 0) FROM packet_tuple_blocks').pluck().get()
        : this.db.prepare('SELECT ifnull(sum(tuples), 0) FROM packet_tuple_blocks WHERE capture_id = ?').pluck().get(captureId);
      return n as number;
    }
    // Rules are stored in chunks (rule-chunks.ts): their runs say how many.
    if (table === 'rules') {
      const runs = captureId === undefined
        ? this.db.prepare('SELECT coalesce(sum(count), 0) AS n FROM rule_runs').get()
        : this.db.prepare('SELECT coalesce(sum(r.count), 0) AS n FROM rule_runs r JOIN rule_chunks c ON c.id = r.chunk_id JOIN rulesets s ON s.id = c.ruleset_id WHERE s.capture_id = ?').get(captureId);
      return (runs as { n: number }).n;
    }
    // kube-proxy's services and endpoints are stored in one block per capture (service-block.ts): theirs say how many.
    if (table === 'services' || table === 'endpoints') {
      const where = captureId === undefined ? '' : ' WHERE capture_id = ?';
      const args = captureId === undefined ? [] : [captureId];
      const inBlocks = this.db.prepare(`SELECT coalesce(sum(${table}), 0) FROM service_blocks${where}`).pluck().get(...args) as number;
      return inBlocks + (this.db.prepare(`SELECT count(*) FROM ${table}${where}`).pluck().get(...args) as number);
    }
    // Chains are stored as one row of headers per table (rows/chain-heads.ts).
    if (table === 'chains') {
      const heads = captureId === undefined
        ? this.db.prepare('SELECT coalesce(sum(count), 0) AS n FROM chain_heads').get()
        : this.db.prepare('SELECT coalesce(sum(h.count), 0) AS n FROM chain_heads h JOIN rule_tables t ON t.id = h.table_id JOIN rulesets s ON s.id = t.ruleset_id WHERE s.capture_id = ?').get(captureId);
      return (heads as { n: number }).n;
    }
    const sql =
      captureId === undefined
        ? `SELECT count(*) AS n FROM ${table}`
        : `SELECT count(*) AS n FROM ${table} WHERE capture_id = ?`;
    const stmt = this.db.prepare(sql);
    const row = (captureId === undefined ? stmt.get() : stmt.get(captureId)) as { n: number };
    return row.n;
  }

  services(captureId: number): Array<ServiceRecord & { origin: K8sOrigin }> {
    return k8sRows.servicesOf(this.db, this.path, captureId);
  }

  endpoints(captureId: number): Array<EndpointRecord & { origin: K8sOrigin }> {
    return k8sRows.endpointsOf(this.db, this.path, captureId);
  }
}

/** True when `path` names a file on disk that does not exist yet or is empty (a project this open creates). */
function isNewFile(path: string): boolean {
  if (path === ':memory:' || path === '' || path.startsWith('file:')) return false;
  const size = fs.statSync(path, { throwIfNoEntry: false })?.size;
  return size === undefined || size === 0;
}

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

/** A failure of the database itself (disk full, locked, corrupt): importing further files is pointless. */
export function isDatabaseError(e: unknown): boolean {
  return e instanceof Database.SqliteError;
}

export type CountedTable =
  | 'captures' | 'interfaces' | 'routes' | 'rulesets' | 'conntrack' | 'packets' | 'packet_tuples' | 'bridge_ports'
  | 'services' | 'endpoints' | 'pods' | 'nodes' | 'sources' | 'text_blocks' | 'rules' | 'chains' | 'addresses'
  | 'ip_rules' | 'neighbours' | 'fdb_entries' | 'kernel_trace' | 'sysctl' | 'probes';

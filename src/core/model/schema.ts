/**
 * The project database schema, versioned with `PRAGMA user_version`: migration N (1-based) takes
 * the database from version N-1 to N, inside one transaction. Append new migrations; never edit
 * a released one.
 */
import type Database from 'better-sqlite3';
import { ModelError } from './model-error';
import { migratePacketBlocks } from './packet-blocks-migration';
import { migrateRulesToChunks } from './rule-chunks-migration';
import { migrateSnatIndex } from './snat-index-migration';
import { migrateChainHeads } from './chain-heads-migration';
import { migrateTupleBlocks } from './tuple-blocks-migration';
import { migratePacketBlockLayout } from './packet-columns-migration';
import { SNAPSHOT_STATEMENTS, SNAPSHOT_VERSION } from './schema-snapshot';
import { migrateServiceBlocks } from './service-blocks-migration';

type Migration = (db: Database.Database) => void;

const V1 = `
CREATE TABLE nodes (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL UNIQUE,
  created_at  TEXT NOT NULL
);

-- One imported input file, by content: a file whose bytes were already imported is not re-read.
CREATE TABLE sources (
  id          INTEGER PRIMARY KEY,
  path        TEXT NOT NULL,
  sha256      TEXT NOT NULL UNIQUE,
  size        INTEGER NOT NULL,
  imported_at TEXT NOT NULL
);

CREATE TABLE captures (
  id           INTEGER PRIMARY KEY,
  node_id      INTEGER NOT NULL REFERENCES nodes(id) ON DELETE CASCADE,
  source_id    INTEGER REFERENCES sources(id) ON DELETE SET NULL,
  kind         TEXT NOT NULL,
  -- A capture taken inside a network namespace of the node (ip netns exec, a pod): its name and how it was entered.
  netns        TEXT,
  netns_via    TEXT,
  source_file  TEXT NOT NULL,
  first_line   INTEGER,
  last_line    INTEGER,
  command      TEXT,
  partial      INTEGER NOT NULL DEFAULT 0,
  content_hash TEXT NOT NULL,
  taken_at     TEXT,
  records      INTEGER NOT NULL DEFAULT 0,
  imported_at  TEXT NOT NULL,
  -- Import order among the captures of the same node, kind and namespace: the highest is the newest.
  snapshot     INTEGER NOT NULL,
  -- Kind-specific summary as JSON (ruleset origin, pcap link types and interfaces).
  detail       TEXT
);
CREATE UNIQUE INDEX captures_content ON captures(node_id, kind, ifnull(netns, ''), content_hash);
CREATE INDEX captures_snapshot ON captures(node_id, kind, snapshot);

CREATE TABLE interfaces (
  id          INTEGER PRIMARY KEY,
  capture_id  INTEGER NOT NULL REFERENCES captures(id) ON DELETE CASCADE,
  name        TEXT NOT NULL,
  ifindex     INTEGER,
  peer        TEXT,
  link_netns  TEXT,
  flags       TEXT NOT NULL,
  mtu         INTEGER,
  state       TEXT,
  master      TEXT,
  link_type   TEXT,
  mac         TEXT,
  line        INTEGER NOT NULL
);
CREATE INDEX interfaces_capture ON interfaces(capture_id);

CREATE TABLE addresses (
  id           INTEGER PRIMARY KEY,
  interface_id INTEGER NOT NULL REFERENCES interfaces(id) ON DELETE CASCADE,
  family       TEXT NOT NULL,
  cidr         TEXT NOT NULL,
  peer         TEXT,
  broadcast    TEXT,
  scope        TEXT,
  label        TEXT,
  secondary    INTEGER NOT NULL,
  line         INTEGER NOT NULL
);
CREATE INDEX addresses_interface ON addresses(interface_id);

CREATE TABLE routes (
  id          INTEGER PRIMARY KEY,
  capture_id  INTEGER NOT NULL REFERENCES captures(id) ON DELETE CASCADE,
  type        TEXT NOT NULL,
  dst         TEXT NOT NULL,
  family      TEXT NOT NULL,
  via         TEXT,
  dev         TEXT,
  src         TEXT,
  metric      INTEGER,
  route_table TEXT NOT NULL,
  scope       TEXT,
  proto       TEXT,
  flags       TEXT NOT NULL,
  line        INTEGER NOT NULL
);
CREATE INDEX routes_capture ON routes(capture_id);

CREATE TABLE rulesets (
  id                INTEGER PRIMARY KEY,
  capture_id        INTEGER NOT NULL REFERENCES captures(id) ON DELETE CASCADE,
  family            TEXT NOT NULL,
  format            TEXT NOT NULL,
  interfaces_shown  INTEGER NOT NULL,
  counters_shown    INTEGER NOT NULL,
  partial           INTEGER NOT NULL
);
CREATE INDEX rulesets_capture ON rulesets(capture_id);

CREATE TABLE rule_tables (
  id          INTEGER PRIMARY KEY,
  ruleset_id  INTEGER NOT NULL REFERENCES rulesets(id) ON DELETE CASCADE,
  name        TEXT NOT NULL,
  line        INTEGER NOT NULL
);
CREATE INDEX rule_tables_ruleset ON rule_tables(ruleset_id);

CREATE TABLE chains (
  id          INTEGER PRIMARY KEY,
  table_id    INTEGER NOT NULL REFERENCES rule_tables(id) ON DELETE CASCADE,
  name        TEXT NOT NULL,
  builtin     INTEGER NOT NULL,
  policy      TEXT,
  packets     INTEGER,
  bytes       INTEGER,
  line        INTEGER NOT NULL
);
CREATE INDEX chains_table ON chains(table_id, name);

CREATE TABLE rules (
  id            INTEGER PRIMARY KEY,
  chain_id      INTEGER NOT NULL REFERENCES chains(id) ON DELETE CASCADE,
  position      INTEGER NOT NULL,
  text          TEXT NOT NULL,
  line          INTEGER NOT NULL,
  packets       INTEGER,
  bytes         INTEGER,
  -- Match[] and Target as JSON, so the simulator reads rules back without reparsing.
  matches       TEXT NOT NULL,
  target        TEXT,
  target_kind   TEXT,
  -- The chain a jump or goto enters; the first -m comment text.
  target_chain  TEXT,
  comment       TEXT
);
CREATE INDEX rules_chain ON rules(chain_id, position);
CREATE INDEX rules_target_chain ON rules(target_chain) WHERE target_chain IS NOT NULL;

CREATE TABLE conntrack (
  id            INTEGER PRIMARY KEY,
  capture_id    INTEGER NOT NULL REFERENCES captures(id) ON DELETE CASCADE,
  family        TEXT NOT NULL,
  proto         TEXT NOT NULL,
  proto_number  INTEGER NOT NULL,
  timeout       INTEGER,
  state         TEXT,
  orig_src      TEXT NOT NULL,
  orig_dst      TEXT NOT NULL,
  orig_sport    INTEGER,
  orig_dport    INTEGER,
  orig_icmp     TEXT,
  orig_packets  INTEGER,
  orig_bytes    INTEGER,
  reply_src     TEXT NOT NULL,
  reply_dst     TEXT NOT NULL,
  reply_sport   INTEGER,
  reply_dport   INTEGER,
  reply_icmp    TEXT,
  reply_packets INTEGER,
  reply_bytes   INTEGER,
  unreplied     INTEGER NOT NULL,
  assured       INTEGER NOT NULL,
  flags         TEXT NOT NULL,
  mark          INTEGER,
  zone          INTEGER,
  use_count     INTEGER,
  line          INTEGER NOT NULL
);
CREATE INDEX conntrack_original ON conntrack(proto, orig_src, orig_dst, orig_sport, orig_dport);
CREATE INDEX conntrack_reply ON conntrack(proto, reply_src, reply_dst, reply_sport, reply_dport);
CREATE INDEX conntrack_capture ON conntrack(capture_id);

-- Each distinct directional 5-tuple of a packet capture, once: packets point to it, so their rows
-- stay narrow and the 5-tuple index holds one entry per tuple instead of one per packet.
CREATE TABLE packet_tuples (
  id          INTEGER PRIMARY KEY,
  capture_id  INTEGER NOT NULL REFERENCES captures(id) ON DELETE CASCADE,
  ip_proto    INTEGER,
  src         TEXT NOT NULL,
  dst         TEXT NOT NULL,
  sport       INTEGER,
  dport       INTEGER
);
CREATE INDEX packet_tuples_tuple ON packet_tuples(src, dst, sport, dport, ip_proto);
CREATE INDEX packet_tuples_capture ON packet_tuples(capture_id);

-- Narrow on purpose: a capture may hold millions of packets. No foreign-key clauses: checking
-- them costs a lookup per packet; Store.deleteCapture removes a capture's packets itself.
CREATE TABLE packets (
  capture_id   INTEGER NOT NULL,
  frame        INTEGER NOT NULL,
  ts_sec       INTEGER NOT NULL,
  ts_nsec      INTEGER NOT NULL,
  -- packet_tuples.id; null when the frame has no addresses (not IP, not ARP).
  tuple_id     INTEGER,
  iface        TEXT,
  direction    TEXT,
  link_type    INTEGER,
  len          INTEGER,
  tcp_flags    INTEGER,
  seq          INTEGER,
  ack          INTEGER,
  payload_len  INTEGER,
  icmp_type    INTEGER,
  icmp_code    INTEGER,
  truncated    TEXT,
  line         INTEGER,
  offset       INTEGER
);
CREATE INDEX packets_time ON packets(capture_id, ts_sec, ts_nsec);
CREATE INDEX packets_tuple ON packets(tuple_id);

-- Packets with their 5-tuple, as readers want them.
CREATE VIEW packet_view AS
  SELECT p.capture_id, p.frame, p.ts_sec, p.ts_nsec, p.iface, p.direction, p.link_type, p.len,
         t.src, t.dst, t.ip_proto, t.sport, t.dport, p.tcp_flags, p.seq, p.ack, p.payload_len,
         p.icmp_type, p.icmp_code, p.truncated, p.line, p.offset, p.tuple_id
  FROM packets p LEFT JOIN packet_tuples t ON t.id = p.tuple_id;

CREATE TABLE bridge_ports (
  id          INTEGER PRIMARY KEY,
  capture_id  INTEGER NOT NULL REFERENCES captures(id) ON DELETE CASCADE,
  bridge      TEXT NOT NULL,
  port        TEXT NOT NULL,
  state       TEXT,
  line        INTEGER NOT NULL
);
CREATE INDEX bridge_ports_capture ON bridge_ports(capture_id);

-- Kubernetes objects, from kubectl output (origin 'kubectl') or read back from kube-proxy's
-- iptables chains and their comments (origin 'kube-proxy').
CREATE TABLE services (
  id                INTEGER PRIMARY KEY,
  capture_id        INTEGER NOT NULL REFERENCES captures(id) ON DELETE CASCADE,
  origin            TEXT NOT NULL,
  namespace         TEXT NOT NULL,
  name              TEXT NOT NULL,
  type              TEXT,
  cluster_ip        TEXT,
  external_ips      TEXT NOT NULL,
  load_balancer_ips TEXT NOT NULL,
  selector          TEXT,
  line              INTEGER NOT NULL
);
CREATE INDEX services_capture ON services(capture_id);
CREATE INDEX services_name ON services(namespace, name);
CREATE INDEX services_cluster_ip ON services(cluster_ip);

CREATE TABLE service_ports (
  id          INTEGER PRIMARY KEY,
  service_id  INTEGER NOT NULL REFERENCES services(id) ON DELETE CASCADE,
  name        TEXT,
  port        INTEGER NOT NULL,
  protocol    TEXT NOT NULL,
  target_port TEXT,
  node_port   INTEGER
);
CREATE INDEX service_ports_service ON service_ports(service_id);

CREATE TABLE endpoints (
  id          INTEGER PRIMARY KEY,
  capture_id  INTEGER NOT NULL REFERENCES captures(id) ON DELETE CASCADE,
  origin      TEXT NOT NULL,
  namespace   TEXT NOT NULL,
  name        TEXT NOT NULL,
  port_name   TEXT,
  address     TEXT NOT NULL,
  port        INTEGER,
  line        INTEGER NOT NULL
);
CREATE INDEX endpoints_capture ON endpoints(capture_id);
CREATE INDEX endpoints_service ON endpoints(namespace, name);

CREATE TABLE pods (
  id          INTEGER PRIMARY KEY,
  capture_id  INTEGER NOT NULL REFERENCES captures(id) ON DELETE CASCADE,
  namespace   TEXT NOT NULL,
  name        TEXT NOT NULL,
  status      TEXT,
  ip          TEXT,
  node        TEXT,
  line        INTEGER NOT NULL
);
CREATE INDEX pods_capture ON pods(capture_id);
CREATE INDEX pods_ip ON pods(ip);

-- Parts of a transcript that are not a recognised capture (or whose parser failed), kept verbatim.
CREATE TABLE text_blocks (
  id          INTEGER PRIMARY KEY,
  source_id   INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
  -- The node the prompt named, as text: kept prose alone does not make a node.
  node        TEXT,
  source_file TEXT NOT NULL,
  first_line  INTEGER NOT NULL,
  last_line   INTEGER NOT NULL,
  command     TEXT,
  reason      TEXT,
  text        TEXT NOT NULL
);
CREATE INDEX text_blocks_source ON text_blocks(source_id);
`;

/** Ordered: index i holds the migration to version i + 1. */
export const MIGRATIONS: readonly Migration[] = [
  (db) => db.exec(V1),
  // 2: stitched flows (src/core/model/flow-store.ts). flow_packets is keyed by flow and aligned time so
  // a flow's packets page in order without a sort; flow_generation says which captures they came from.
  (db) =>
    db.exec(`
CREATE TABLE flows (
  id          INTEGER PRIMARY KEY,
  proto       INTEGER NOT NULL,
  orig_src    TEXT NOT NULL,
  orig_sport  INTEGER,
  orig_dst    TEXT NOT NULL,
  orig_dport  INTEGER,
  reply_src   TEXT NOT NULL,
  reply_sport INTEGER,
  reply_dst   TEXT NOT NULL,
  reply_dport INTEGER,
  nat         TEXT NOT NULL,
  service     TEXT,
  evidence    TEXT NOT NULL,
  first_seen  REAL,
  last_seen   REAL,
  packets     INTEGER NOT NULL,
  tcp         TEXT,
  hops        TEXT NOT NULL,
  links       TEXT NOT NULL,
  timeline    TEXT NOT NULL,
  conntrack   TEXT NOT NULL
);
CREATE INDEX flows_service ON flows(service);
CREATE TABLE flow_conntrack (
  flow_id      INTEGER NOT NULL,
  conntrack_id INTEGER NOT NULL,
  PRIMARY KEY (flow_id, conntrack_id)
) WITHOUT ROWID;
CREATE INDEX flow_conntrack_entry ON flow_conntrack(conntrack_id);
CREATE TABLE flow_packets (
  flow_id     INTEGER NOT NULL,
  at_sec      INTEGER NOT NULL,
  at_nsec     INTEGER NOT NULL,
  capture_id  INTEGER NOT NULL,
  frame       INTEGER NOT NULL,
  ts_sec      INTEGER NOT NULL,
  ts_nsec     INTEGER NOT NULL,
  PRIMARY KEY (flow_id, at_sec, at_nsec, capture_id, frame)
) WITHOUT ROWID;
-- A packet's flow is its 5-tuple's: one row per distinct tuple answers "which flow is this packet in".
CREATE TABLE flow_tuples (
  capture_id  INTEGER NOT NULL,
  tuple_id    INTEGER NOT NULL,
  flow_id     INTEGER NOT NULL,
  PRIMARY KEY (capture_id, tuple_id)
) WITHOUT ROWID;
CREATE INDEX flow_tuples_flow ON flow_tuples(flow_id);
CREATE TABLE flow_clock (
  node           TEXT PRIMARY KEY,
  offset_seconds REAL NOT NULL,
  reference      TEXT NOT NULL,
  samples        INTEGER NOT NULL
);
CREATE TABLE flow_generation (
  id          INTEGER PRIMARY KEY CHECK (id = 1),
  generation  TEXT NOT NULL,
  stitched_at TEXT NOT NULL
);
`),
  // 3: packets in blocks of fixed-width records, tuples with their packet counts; flow_packets dropped.
  migratePacketBlocks,
  // 4: no index on the chain a rule jumps to: nothing looks rules up by it, and keeping it up to date was a
  // tenth of storing a kube-proxy-scale ruleset.
  (db) => db.exec('DROP INDEX IF EXISTS rules_target_chain'),
  // 5: services and endpoints are read by capture only; their (namespace, name) indexes were kept up to date
  // for nothing, 60,000 entries for a kube-proxy-scale ruleset.
  (db) => db.exec('DROP INDEX IF EXISTS services_name; DROP INDEX IF EXISTS endpoints_service'),
  // 6: iproute2's other state: policy rules (`ip rule`), neighbours (`ip neigh`), bridge fdb entries; an
  // interface's `ip -d` details and a route's nexthops and nexthop id, as JSON.
  (db) =>
    db.exec(`
ALTER TABLE interfaces ADD COLUMN details TEXT;
ALTER TABLE routes ADD COLUMN nexthops TEXT;
ALTER TABLE routes ADD COLUMN nhid INTEGER;
CREATE TABLE ip_rules (
  id              INTEGER PRIMARY KEY,
  capture_id      INTEGER NOT NULL REFERENCES captures(id) ON DELETE CASCADE,
  family          TEXT NOT NULL,
  priority        INTEGER NOT NULL,
  invert          INTEGER NOT NULL,
  src             TEXT,
  dst             TEXT,
  iif             TEXT,
  oif             TEXT,
  fwmark          INTEGER,
  fwmask          INTEGER,
  tos             INTEGER,
  other           TEXT NOT NULL,
  -- RuleAction as JSON: {"kind":"lookup","table":"main"}, {"kind":"goto","target":200}...
  action          TEXT NOT NULL,
  suppress_prefix INTEGER,
  suppress_ifgroup TEXT,
  flags           TEXT NOT NULL,
  line            INTEGER NOT NULL
);
CREATE INDEX ip_rules_capture ON ip_rules(capture_id);
CREATE TABLE neighbours (
  id          INTEGER PRIMARY KEY,
  capture_id  INTEGER NOT NULL REFERENCES captures(id) ON DELETE CASCADE,
  family      TEXT NOT NULL,
  address     TEXT NOT NULL,
  dev         TEXT,
  lladdr      TEXT,
  states      TEXT NOT NULL,
  router      INTEGER NOT NULL,
  flags       TEXT NOT NULL,
  line        INTEGER NOT NULL
);
CREATE INDEX neighbours_capture ON neighbours(capture_id);
CREATE TABLE fdb_entries (
  id          INTEGER PRIMARY KEY,
  capture_id  INTEGER NOT NULL REFERENCES captures(id) ON DELETE CASCADE,
  mac         TEXT NOT NULL,
  dev         TEXT,
  master      TEXT,
  vlan        INTEGER,
  dst         TEXT,
  vni         INTEGER,
  via         TEXT,
  self        INTEGER NOT NULL,
  state       TEXT,
  flags       TEXT NOT NULL,
  line        INTEGER NOT NULL
);
CREATE INDEX fdb_entries_capture ON fdb_entries(capture_id);
`),
  // 7: what part of the node's state a capture covers (capture-scope.ts, JSON), the state-changing commands typed
  // before it (JSON), and owners that are the cluster rather than a node (cluster-wide kubectl output).
  (db) =>
    db.exec(`
ALTER TABLE captures ADD COLUMN scope TEXT;
ALTER TABLE captures ADD COLUMN changed_by TEXT;
ALTER TABLE nodes ADD COLUMN cluster INTEGER NOT NULL DEFAULT 0;
`),
  // 8: written by flow stitching (flows/capture-twins.ts): per packet capture, how many of its packets are copies
  // of another capture's (a pcap and its tcpdump text) and where its undated times were placed; the copied frames.
  (db) =>
    db.exec(`
CREATE TABLE capture_twins (
  capture_id    INTEGER PRIMARY KEY,
  packets       INTEGER NOT NULL,
  duplicates    INTEGER NOT NULL,
  twin_of       INTEGER,
  shift_seconds INTEGER,
  time_basis    TEXT
);
CREATE TABLE packet_twin_runs (
  capture_id  INTEGER NOT NULL,
  first_frame INTEGER NOT NULL,
  last_frame  INTEGER NOT NULL,
  twin_of     INTEGER NOT NULL,
  PRIMARY KEY (capture_id, first_frame)
) WITHOUT ROWID;
`),
  // 9: the packet each ICMP destination unreachable answers (its embedded header, or what tcpdump printed of it), so
  // flow stitching ties the refusal to that packet's flow. Few rows: only ICMP errors have one.
  (db) =>
    db.exec(`
CREATE TABLE packet_icmp_errors (
  capture_id INTEGER NOT NULL REFERENCES captures(id) ON DELETE CASCADE,
  frame      INTEGER NOT NULL,
  ip_proto   INTEGER,
  src        TEXT NOT NULL,
  dst        TEXT NOT NULL,
  sport      INTEGER,
  dport      INTEGER,
  PRIMARY KEY (capture_id, frame)
) WITHOUT ROWID;
`),
  // 10: the edit log (renaming, merging, deleting nodes and captures; rows/edits.ts) and the project revision those
  // edits move, part of the capture generation. The trash tables (`trash_<table>`) are made on first use from the
  // live tables' columns, so a column a later migration adds is trashed too.
  (db) =>
    db.exec(`
CREATE TABLE edit_log (
  seq         INTEGER PRIMARY KEY AUTOINCREMENT,
  undo_id     TEXT NOT NULL UNIQUE,
  inverse     TEXT NOT NULL,
  summary     TEXT NOT NULL,
  created_at  TEXT NOT NULL
);
CREATE TABLE project_revision (
  id        INTEGER PRIMARY KEY CHECK (id = 1),
  revision  INTEGER NOT NULL
);
`),
  // 11: rules in deflated chunks of ~1,000, most as their text alone (rows/rule-chunks.ts), in place of one
  // `rules` row per rule with its matches and target as JSON: a kube-proxy dump's project was 3.5× the dump.
  migrateRulesToChunks,
  // 12: an index of the rules whose target is SNAT (snat-index-migration.ts), so a trace reads only their chains.
  migrateSnatIndex,
  // 13: a table's chain headers in one deflated row (rows/chain-heads.ts) in place of a `chains` row per chain, the SNAT
  // index folded into them (chain-heads-migration.ts): a trace read 60,000 chain rows at 170k rules, an import wrote them.
  migrateChainHeads,
  // 14: the name a user gave a capture (project-edits renameCapture); null shows its source. Provenance stays
  // source_file:first_line, which evidence cites whatever the capture is called. A database whose version was set
  // back (the migration tests do) may have the column already.
  (db) => {
    const has = db.prepare(`SELECT 1 FROM pragma_table_info('captures') WHERE name = 'label'`).get() !== undefined;
    if (!has) db.exec('ALTER TABLE captures ADD COLUMN label TEXT');
  },
  // 15: a capture's 5-tuples in blocks of fixed-width records (tuple-blocks-migration.ts) in place of one packet_tuples
  // row each with a 5-tuple index: a capture of a million short connections paid ~2.5 µs per tuple in SQLite.
  migrateTupleBlocks,
  // 16: how a packet block's data is laid out (packet-columns.ts): 0, 64-byte records (every block before), or 1,
  // narrow columns (~24 bytes a packet): the project of a capture of a million connections was 1.4× the pcap.
  // Old blocks are read as they are; a trash table made before keeps its rows' layout when they come back.
  migratePacketBlockLayout,
  // 17: the services, ports and endpoints read off kube-proxy's rules as one block per capture (service-block.ts), live
  // and trashed: as rows with their indexes, a 10,000-service ruleset's took ~0.2 s of its import to write.
  migrateServiceBlocks,
  // 18: the tunnels (VXLAN, Geneve, IPIP) a packet capture's packets came in, with the frames of each
  // (packet-tunnels.ts): the stored packet is the inner one, this row the outer one, counted per tunnel between two nodes.
  (db) =>
    db.exec(`
CREATE TABLE packet_tunnels (
  capture_id  INTEGER NOT NULL REFERENCES captures(id) ON DELETE CASCADE,
  tunnel      INTEGER NOT NULL,
  kind        TEXT NOT NULL,
  vni         INTEGER,
  src         TEXT NOT NULL,
  dst         TEXT NOT NULL,
  dport       INTEGER,
  packets     INTEGER NOT NULL,
  first_frame INTEGER NOT NULL,
  last_frame  INTEGER NOT NULL,
  frames      BLOB NOT NULL,
  PRIMARY KEY (capture_id, tunnel)
) WITHOUT ROWID;
`),
  // 19: the kernel's own trace of packets through netfilter (rows/kernel-trace.ts): one row per TRACE/LOG line,
  // xtables-monitor or nft monitor event, with the hook it names; flows find theirs by address pair.
  (db) =>
    db.exec(`
CREATE TABLE kernel_trace (
  capture_id  INTEGER NOT NULL REFERENCES captures(id) ON DELETE CASCADE,
  seq         INTEGER NOT NULL,
  line        INTEGER NOT NULL,
  format      TEXT NOT NULL,
  trace_id    TEXT,
  host        TEXT,
  uptime      REAL,
  stamp       TEXT,
  time        TEXT,
  hook        TEXT NOT NULL,
  iif         TEXT,
  oif         TEXT,
  family      TEXT,
  proto       TEXT,
  src         TEXT,
  sport       INTEGER,
  dst         TEXT,
  dport       INTEGER,
  icmp        TEXT,
  ip_id       INTEGER,
  tcp_flags   TEXT,
  length      INTEGER,
  mark        INTEGER,
  text        TEXT NOT NULL,
  PRIMARY KEY (capture_id, seq)
) WITHOUT ROWID;
CREATE INDEX kernel_trace_pair ON kernel_trace(src, dst);
`),
  // 20: conntrack's two 5-tuple indexes go: no query looks an entry up by its tuple (flows are stitched in memory from
  // a scan by id), and they were a third of a conntrack table's bytes and most of the cost of storing a big one.
  (db) =>
    db.exec(`
DROP INDEX IF EXISTS conntrack_original;
DROP INDEX IF EXISTS conntrack_reply;
`),
  // 21: a kernel trace's captured lines deflated in blocks (rows/kernel-trace.ts) instead of one text per row, which
  // made a project twice the size of the log; rows stored before keep their text.
  (db) =>
    db.exec(`
CREATE TABLE kernel_trace_text (
  capture_id  INTEGER NOT NULL REFERENCES captures(id) ON DELETE CASCADE,
  first_seq   INTEGER NOT NULL,
  text        BLOB NOT NULL,
  PRIMARY KEY (capture_id, first_seq)
) WITHOUT ROWID;
`),
  // 22: kernel settings (rows/sysctl.ts): `sysctl -a` and friends, one row per key a capture showed; a node's newest
  // value of each key is what the replay and the findings use (model/node-sysctl.ts).
  (db) =>
    db.exec(`
CREATE TABLE sysctl (
  capture_id  INTEGER NOT NULL REFERENCES captures(id) ON DELETE CASCADE,
  seq         INTEGER NOT NULL,
  key         TEXT NOT NULL,
  value       TEXT,
  line        INTEGER NOT NULL,
  PRIMARY KEY (capture_id, seq)
) WITHOUT ROWID;
`),
  // 23: probes the engineer ran (curl, wget, nc, telnet, ping) with what their output says happened (rows/probes.ts).
  (db) =>
    db.exec(`
CREATE TABLE probes (
  capture_id  INTEGER NOT NULL REFERENCES captures(id) ON DELETE CASCADE,
  seq         INTEGER NOT NULL,
  line        INTEGER NOT NULL,
  tool        TEXT NOT NULL,
  outcome     TEXT NOT NULL,
  dst         TEXT,
  dport       INTEGER,
  record      TEXT NOT NULL,
  PRIMARY KEY (capture_id, seq)
) WITHOUT ROWID;
`),
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** `PRAGMA application_id` of a natlens project ('nlns'): what tells it from another program's SQLite file. */
export const APPLICATION_ID = 0x6e6c6e73;

/**
 * Refuses a SQLite file that is not a natlens project before anything is written to it: another program's
 * application id, or tables without natlens's own. An empty file (no tables) becomes a project; a project
 * made before the application id was set is known by its schema version and its tables.
 */
export function assertProjectDatabase(db: Database.Database, name: string): void {
  const appId = db.pragma('application_id', { simple: true }) as number;
  if (appId === APPLICATION_ID) return;
  const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as Array<{ name: string }>).map((t) => t.name);
  if (appId === 0 && tables.length === 0) return;
  const version = db.pragma('user_version', { simple: true }) as number;
  if (appId === 0 && version > 0 && tables.includes('nodes') && tables.includes('captures')) return;
  const shown = tables.length > 5 ? `${tables.slice(0, 5).join(', ')}, ...` : tables.join(', ');
  const whose = appId !== 0 ? `another program's (application id 0x${appId.toString(16)})` : `another program's (tables ${shown})`;
  throw new ModelError(name, `this SQLite file is ${whose}, not a natlens project; natlens leaves it untouched (name a new file with --db)`);
}

/** A schema made at once: the statements that create what migrations 1 to `version` make. */
export interface SchemaSnapshot {
  version: number;
  statements: readonly string[];
}

const SNAPSHOT: SchemaSnapshot = { version: SNAPSHOT_VERSION, statements: SNAPSHOT_STATEMENTS };

/**
 * Brings `db` up to SCHEMA_VERSION, one transaction per migration; refuses a database from a newer natlens. A new
 * (empty) database is made at the snapshot's version in one transaction (schema-snapshot.ts, the same schema:
 * schema-snapshot.test.ts), then migrated from there: 16 migrations in turn were ~17 ms of every new project.
 * `snapshot: null` takes every migration in turn (the snapshot's script and test).
 */
export function migrate(db: Database.Database, name: string, { snapshot = SNAPSHOT }: { snapshot?: SchemaSnapshot | null } = {}): void {
  let current = db.pragma('user_version', { simple: true }) as number;
  if (current > SCHEMA_VERSION) {
    throw new ModelError(name, `schema version ${current} is newer than this natlens understands (${SCHEMA_VERSION})`);
  }
  if (current === 0 && snapshot !== null && snapshot.version <= SCHEMA_VERSION) {
    db.transaction(() => {
      // Read again inside, as below: another process may have made the project while this one waited for the lock.
      if ((db.pragma('user_version', { simple: true }) as number) !== 0) return;
      if (db.prepare('SELECT 1 FROM sqlite_master LIMIT 1').get() !== undefined) return;
      for (const statement of snapshot.statements) db.exec(statement);
      db.pragma(`user_version = ${snapshot.version}`);
      db.pragma(`application_id = ${APPLICATION_ID}`);
    }).immediate();
    current = db.pragma('user_version', { simple: true }) as number;
  }
  for (let version = current; version < SCHEMA_VERSION; version++) {
    const step = MIGRATIONS[version];
    // IMMEDIATE, and the version read again inside: another process opening the project at the same
    // time may have taken this step while this one waited for the lock.
    db.transaction(() => {
      if ((db.pragma('user_version', { simple: true }) as number) !== version) return;
      step(db);
      db.pragma(`user_version = ${version + 1}`);
      db.pragma(`application_id = ${APPLICATION_ID}`);
    }).immediate();
  }
}

/** The statements that create `db`'s tables, indexes and views, in the order SQLite keeps them: a snapshot's. */
export function schemaStatements(db: Database.Database): string[] {
  // sqlite_sequence and autoindexes are SQLite's own: made again by the statements that made them.
  return db.prepare("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY rowid").pluck().all() as string[];
}

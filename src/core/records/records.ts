/** Typed records the parsers produce. Plain serialisable data; every record keeps the line (or pcap record) it came from. */
import type { Ruleset } from '../netfilter/ruleset';

export type CaptureKind =
  | 'iptables-save'
  | 'iptables-list'
  | 'ip-addr'
  | 'ip-route'
  | 'route-table'
  | 'conntrack'
  | 'tcpdump-text'
  | 'pcap'
  | 'bridge'
  | 'kubectl'
  | 'ip-rule'
  | 'ip-neigh'
  | 'bridge-fdb'
  | 'kernel-trace'
  | 'nft-ruleset'
  | 'sysctl'
  | 'probe';

export const CAPTURE_KINDS: readonly CaptureKind[] = [
  'iptables-save', 'iptables-list', 'ip-addr', 'ip-route', 'route-table',
  'conntrack', 'tcpdump-text', 'pcap', 'bridge', 'kubectl', 'ip-rule', 'ip-neigh', 'bridge-fdb', 'kernel-trace', 'nft-ruleset', 'sysctl', 'probe',
];

/** The kinds whose records are netfilter rulesets. */
export const RULESET_KINDS = ['iptables-save', 'iptables-list', 'nft-ruleset'] as const;
export type RulesetKind = (typeof RULESET_KINDS)[number];

/** A kind whose captures hold a netfilter ruleset. */
export function isRulesetKind(kind: string): kind is RulesetKind {
  return (RULESET_KINDS as readonly string[]).includes(kind);
}

// ---- ip addr / ifconfig -------------------------------------------------------------------

export interface AddressRecord {
  family: 'ipv4' | 'ipv6';
  /** `10.0.0.5/24` */
  cidr: string;
  /** Point-to-point peer (`inet 10.0.0.1 peer 10.0.0.2/32`). */
  peer: string | null;
  broadcast: string | null;
  scope: string | null;
  label: string | null;
  secondary: boolean;
  line: number;
}

export interface InterfaceRecord {
  name: string;
  index: number | null;
  /** `eth0@if18` → `if18`; `veth1@eth0` → `eth0`. */
  peer: string | null;
  /** `link-netns NAME` or `link-netnsid N`. */
  linkNetns: string | null;
  flags: string[];
  mtu: number | null;
  /** operstate: UP, DOWN, UNKNOWN, LOWERLAYERDOWN... */
  state: string | null;
  /** `master cbr0` */
  master: string | null;
  /** link/ether, link/loopback, link/none, ... */
  linkType: string | null;
  mac: string | null;
  addresses: AddressRecord[];
  line: number;
  /** What `ip -d` (or `ip -j -d`) says about the device; absent when the capture did not show details. */
  details?: LinkDetails;
}

/** `ip -d link` detail lines: the device kind, its bridge/bond port role, and a vxlan's tunnel. */
export interface LinkDetails {
  /** `veth`, `bridge`, `vxlan`, `vlan`, `bond`, `dummy`, `ipip`, `wireguard`... (null: a plain device). */
  kind: string | null;
  /** `bridge_slave`, `bond_slave`... when the device is a port of a master. */
  slaveKind: string | null;
  /** `vlan protocol 802.1Q id 100`. */
  vlanId: number | null;
  vxlan: VxlanDetails | null;
}

export interface VxlanDetails {
  id: number | null;
  /** Unicast peer (`remote`) or multicast group (`group`). */
  remote: string | null;
  local: string | null;
  /** The underlay device (`dev eth0`). */
  dev: string | null;
  dstport: number | null;
}

// ---- ip route / route -n / netstat -rn -------------------------------------------------------

export type RouteType =
  | 'unicast' | 'local' | 'broadcast' | 'multicast' | 'anycast'
  | 'blackhole' | 'unreachable' | 'prohibit' | 'throw' | 'nat';

export interface RouteRecord {
  type: RouteType;
  /**
   * `default` or a CIDR (`10.0.0.0/24`; a host route is `/32`); NAME/PREFIX (`link-local/16`) where the capture printed
   * a name for the network or host and not its address (`route` without -n): the prefix is known, the network is not.
   */
  dst: string;
  family: 'ipv4' | 'ipv6';
  /** The gateway's address; a name (`_gateway`) where the capture printed one instead (`route` without -n): its address is unknown. */
  via: string | null;
  dev: string | null;
  src: string | null;
  metric: number | null;
  /** `main` unless the output says otherwise (`ip route show table local`, `table 100`). */
  table: string;
  scope: string | null;
  proto: string | null;
  /** route -n flags (`UG`, `UH`...), or ip route's own flags (`linkdown`, `onlink`). */
  flags: string[];
  line: number;
  /** The hops of a multipath route (`nexthop via ... weight N` lines, or a nexthop group's), in order. */
  nexthops?: NexthopRecord[];
  /** `nhid N`: the route uses nexthop object N (`ip nexthop`). */
  nhid?: number | null;
}

export interface NexthopRecord {
  via: string | null;
  dev: string | null;
  /** 1 when not printed (the kernel's default weight). */
  weight: number;
  flags: string[];
}

// ---- ip rule -------------------------------------------------------------------------------

/** What a policy rule does when its selector matches. */
export type RuleAction =
  | { kind: 'lookup'; table: string }
  | { kind: 'goto'; target: number | null }
  | { kind: 'blackhole' }
  | { kind: 'unreachable' }
  | { kind: 'prohibit' }
  | { kind: 'nop' }
  /** `map-to ADDR` / `masquerade`: the old route NAT action (removed from Linux 2.6.x, still printed). */
  | { kind: 'nat'; to: string | null };

export interface RuleRecord {
  family: 'ipv4' | 'ipv6';
  priority: number;
  /** `not`: the selector is inverted. */
  not: boolean;
  /** Source prefix, null for `from all`. */
  from: string | null;
  to: string | null;
  /** Input interface; `lo` matches locally generated packets. */
  iif: string | null;
  oif: string | null;
  fwmark: number | null;
  /** 0xffffffff when the rule gives a mark without a mask. */
  fwmask: number | null;
  /** `tos 0x10` / `dsfield`. */
  tos: number | null;
  /** `ipproto tcp`, `sport 80`, `dport 1000-2000`, `uidrange 0-1000`, `l3mdev`, `tun_id N`: kept as printed. */
  other: string[];
  action: RuleAction;
  /** `suppress_prefixlength N`: a route found with a prefix this short or shorter is ignored. */
  suppressPrefixLength: number | null;
  suppressIfgroup: string | null;
  /** `[detached]` interfaces, `[unresolved]` goto, `proto X`. */
  flags: string[];
  line: number;
}

// ---- ip neigh --------------------------------------------------------------------------------

export interface NeighbourRecord {
  family: 'ipv4' | 'ipv6';
  address: string;
  /** Null when the command named the device (`ip neigh show dev eth0` does not print it). */
  dev: string | null;
  lladdr: string | null;
  /** NUD states as printed: REACHABLE, STALE, DELAY, PROBE, FAILED, INCOMPLETE, NOARP, PERMANENT, NONE. */
  states: string[];
  router: boolean;
  /** proxy, extern_learn, offload, `proto X`. */
  flags: string[];
  line: number;
}

// ---- bridge fdb --------------------------------------------------------------------------------

export interface FdbRecord {
  mac: string;
  /** Null when the command named the device (`bridge fdb show dev X`). */
  dev: string | null;
  /** The bridge this entry belongs to (`master br0`); null for a device's own (`self`) entry. */
  master: string | null;
  vlan: number | null;
  /** VXLAN remote (`dst 10.0.0.2`). */
  dst: string | null;
  vni: number | null;
  /** `via eth0`: the underlay device of a vxlan remote. */
  via: string | null;
  /** The entry is the device's own (`self`), not the bridge's. */
  self: boolean;
  /** permanent, static, stale, or null (a learned, dynamic entry). */
  state: string | null;
  /** router, extern_learn, offload, sticky... */
  flags: string[];
  line: number;
}

// ---- conntrack -L / /proc/net/nf_conntrack ------------------------------------------------------

export interface ConntrackTuple {
  src: string;
  dst: string;
  /** tcp/udp/sctp/dccp ports; null for icmp and unknown protocols. */
  sport: number | null;
  dport: number | null;
  /** icmp/icmpv6: type, code, id. */
  icmp: { type: number; code: number; id: number } | null;
  packets: number | null;
  bytes: number | null;
}

export interface ConntrackEntry {
  family: 'ipv4' | 'ipv6';
  /** `tcp`, `udp`, `icmp`, `icmpv6`, `sctp`, `unknown`... */
  proto: string;
  protoNumber: number;
  timeout: number | null;
  /** TCP state (ESTABLISHED, SYN_SENT, TIME_WAIT...), or null for stateless protocols. */
  state: string | null;
  original: ConntrackTuple;
  reply: ConntrackTuple;
  unreplied: boolean;
  assured: boolean;
  mark: number | null;
  zone: number | null;
  use: number | null;
  /** Other flags as printed, without brackets: OFFLOAD, HW_OFFLOAD... */
  flags: string[];
  line: number;
}

// ---- packets (pcap, pcapng, tcpdump text) ---------------------------------------------------------

export type PacketNetwork = 'ipv4' | 'ipv6' | 'arp' | 'other';

/** One captured frame, flat so a million of them stream through without allocation churn. */
export interface PacketRecord {
  /** 1-based frame number within its capture. */
  frame: number;
  /** Seconds and nanoseconds since the epoch, exact (no float rounding). */
  tsSec: number;
  tsNsec: number;
  /** Interface name if the capture says it (pcapng if_name, tcpdump -i any), else null. */
  iface: string | null;
  /** `-i any` / SLL packet direction. */
  direction: 'in' | 'out' | null;
  /** pcap LINKTYPE_* value; null for tcpdump text. */
  linkType: number | null;
  capLen: number;
  origLen: number;
  srcMac: string | null;
  dstMac: string | null;
  vlan: number | null;
  network: PacketNetwork;
  /** EtherType when network is 'other'. */
  etherType: number | null;
  src: string | null;
  dst: string | null;
  /**
   * `src` and `dst` as unsigned 32-bit numbers when the pcap decoder read them from an IPv4 header: the
   * store keys its tuple table on them instead of the text. Absent or null otherwise. A pcap read for the store
   * (readPacketCapture's `addressText: false`) gives an IPv4 header's addresses as these alone, `src`/`dst` null.
   */
  srcV4?: number | null;
  dstV4?: number | null;
  /** IP protocol number (6 tcp, 17 udp, 1 icmp, 58 icmpv6...), null when not IP. */
  ipProto: number | null;
  ipId: number | null;
  ttl: number | null;
  /** More-fragments flag and fragment offset (8-byte units), as in the header. */
  fragMf: boolean;
  fragOffset: number;
  sport: number | null;
  dport: number | null;
  /** TCP flags byte (FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10, URG 0x20, ECE 0x40, CWR 0x80). */
  tcpFlags: number | null;
  seq: number | null;
  ack: number | null;
  /** L4 payload length when known. */
  payloadLen: number | null;
  icmpType: number | null;
  icmpCode: number | null;
  /** ICMP/ICMPv6 echo identifier (what conntrack keys icmp flows on), when the decoder knows it. */
  icmpId?: number | null;
  /**
   * An ICMP destination unreachable (ICMPv6: type 1): the header of the packet it answers, as embedded in it
   * (the pcap decoder) or as tcpdump prints it (`ICMP 10.96.0.20 tcp port 80 unreachable`: no source port).
   */
  icmpError?: IcmpErrorHeader | null;
  /**
   * The packet came inside a tunnel (VXLAN, Geneve, IPIP) and its fields above are the INNER packet's; this is the
   * outer one, kept as the tunnel between two nodes. Absent or null for a packet seen as it is.
   */
  tunnel?: PacketTunnel | null;
  /**
   * The outer packet looked like a tunnel (UDP 4789/8472/6081, IP protocol 4/41) but its inner frame could not be
   * read: why. The fields are then the outer packet's, as for any packet; the importer warns naming the packet.
   */
  tunnelProblem?: string | null;
  /** ARP opcode and protocol addresses (src/dst hold sender/target IP). */
  arpOp: number | null;
  /** The frame was cut (captured < original length) before a layer could be decoded; names the layer. */
  truncated: string | null;
  /** Line in a text capture, or byte offset of the record in a binary one. */
  line: number | null;
  offset: number | null;
}

export type PacketSink = (packet: PacketRecord) => void;

/** How a tunnelled packet was carried: `sit` is IPv6 in IPv4 (IP protocol 41), `ipip` IPv4 in IP (protocol 4). */
export type TunnelKind = 'vxlan' | 'geneve' | 'ipip' | 'sit';

/** The outer packet of a tunnelled one: the nodes the tunnel joins and, for VXLAN and Geneve, its VNI and UDP ports. */
export interface PacketTunnel {
  kind: TunnelKind;
  /** VXLAN/Geneve virtual network identifier; null for IPIP/sit. */
  vni: number | null;
  /** The outer (node) addresses. */
  src: string;
  dst: string;
  /** The outer UDP ports (VXLAN/Geneve); null for IPIP/sit. */
  sport: number | null;
  dport: number | null;
}

/** The packet an ICMP error answers, as the sender of that packet sent it. Fields the capture does not show are null. */
export interface IcmpErrorHeader {
  /** IP protocol number of the embedded packet; null when the text does not say (`ICMP host 10.0.0.9 unreachable`). */
  proto: number | null;
  src: string;
  dst: string;
  sport: number | null;
  dport: number | null;
}

// ---- brctl show / bridge link ------------------------------------------------------------

export interface BridgePortRecord {
  bridge: string;
  port: string;
  /** forwarding, blocking, disabled... when shown. */
  state: string | null;
  line: number;
}

// ---- kubectl -----------------------------------------------------------------------------

export interface ServicePortRecord {
  name: string | null;
  port: number;
  protocol: 'TCP' | 'UDP' | 'SCTP';
  targetPort: string | null;
  nodePort: number | null;
}

export interface ServiceRecord {
  namespace: string;
  name: string;
  type: string | null;
  clusterIP: string | null;
  externalIPs: string[];
  loadBalancerIPs: string[];
  ports: ServicePortRecord[];
  selector: string | null;
  line: number;
}

export interface EndpointsRecord {
  namespace: string;
  name: string;
  /** `10.40.0.6:8080` */
  endpoints: string[];
  line: number;
}

export interface PodRecord {
  namespace: string;
  name: string;
  status: string | null;
  ip: string | null;
  node: string | null;
  line: number;
}

// ---- the kernel's own packet trace (iptables TRACE / LOG lines, xtables-monitor --trace, nft monitor trace) ----

/** Which tool printed a kernel trace line. */
export type KernelTraceFormat = 'kernel-log' | 'xtables-monitor' | 'nft-monitor';

/**
 * Where in netfilter the kernel saw the packet. `rule`/`return`/`policy` are the trace types of xt_TRACE and nftables:
 * a rule matched, a user chain ran out (back to its caller), a base chain's policy decided. `position` is the legacy
 * kernel's rule number (1-based; for `return`/`policy` the chain's rule count + 1), `handle` nftables' rule handle.
 * `packet` is nftables' sighting on entering a base chain; `log` a `-j LOG` line, known only by its prefix.
 */
export type KernelTraceHook =
  | { kind: 'rule'; table: string; chain: string; position: number | null; handle: number | null; verdict: string | null; ruleText: string | null }
  | { kind: 'return'; table: string; chain: string; position: number | null; verdict: string | null }
  | { kind: 'policy'; table: string; chain: string; position: number | null; verdict: string | null }
  | { kind: 'packet'; table: string; chain: string }
  | { kind: 'log'; prefix: string };

/** The packet as the trace line printed it; fields the line does not show are null. */
export interface KernelTracePacket {
  family: 'ipv4' | 'ipv6' | null;
  /** `tcp`, `udp`, `icmp`, `icmpv6`, `sctp`..., or the number as printed when the kernel names none. */
  proto: string | null;
  src: string | null;
  dst: string | null;
  sport: number | null;
  dport: number | null;
  icmp: { type: number; code: number | null; id: number | null } | null;
  ipId: number | null;
  /** TCP flags as printed, upper-case (`SYN`, `ACK`...); null for other protocols. */
  tcpFlags: string[] | null;
  length: number | null;
}

/** When the line was logged, as far as it says: the kernel's uptime (dmesg, /dev/kmsg) and/or a wall-clock stamp. */
export interface KernelTraceTime {
  /** Seconds since boot (`[85447.184040]`). */
  uptime: number | null;
  /** The wall-clock stamp as printed (`Mon Dec  7 22:57:06 2026`, `Dec 07 22:57:06`, `2026-12-07T22:57:06.1+00:00`). */
  stamp: string | null;
  /** ISO-8601 of `stamp` when it says its year and zone (UTC or an offset); null otherwise, never guessed. */
  iso: string | null;
}

export interface KernelTraceEvent {
  format: KernelTraceFormat;
  /** nftables' trace id: the lines of one packet's walk share it (xtables-monitor, nft monitor); null for kernel log lines. */
  traceId: string | null;
  /** The host a syslog/journal line names (`... nodea kernel: ...`), if any. */
  host: string | null;
  time: KernelTraceTime;
  hook: KernelTraceHook;
  in: string | null;
  out: string | null;
  packet: KernelTracePacket;
  mark: number | null;
  line: number;
  /** The line as captured (stamps and all), for evidence. */
  text: string;
}

// ---- kernel settings (sysctl, /proc/sys) ----------------------------------------------------

/**
 * One kernel setting as `sysctl` (or a cat of its /proc/sys file) printed it. `value` is the text after `=`, trimmed;
 * null when the kernel has no such key (`sysctl: cannot stat /proc/sys/...`): for net.bridge.* that means br_netfilter
 * is not loaded, which the kernel treats as the setting being off.
 */
export interface SysctlRecord {
  key: string;
  value: string | null;
  line: number;
}

/** A kernel setting as a node's newest capture of it showed it, with that line's `file:line`. */
export interface CapturedSetting {
  value: string | null;
  source: string;
}

// ---- a probe the engineer ran (curl, wget, nc, telnet, ping) and what it printed ----

export type ProbeTool = 'curl' | 'wget' | 'nc' | 'telnet' | 'ping';
export type ProbeProto = 'tcp' | 'udp' | 'icmp';

/**
 * What the probe's output says happened. `answered`: a TCP connection was made (whatever the server then said) or a
 * ping was answered; `unreachable`: an ICMP error or EHOSTUNREACH (`No route to host`); `no-route`: ENETUNREACH
 * (`Network is unreachable`), the sender's own routing; `not-permitted`: EPERM, a rule on the sender's own OUTPUT path;
 * `failed`: the connection failed at once and the tool did not say why (curl 8's `Couldn't connect to server`: refused,
 * unreachable or no route, never a timeout); `unknown`: the output does not say (a UDP probe without error, `curl -s`
 * hiding its error).
 */
export type ProbeOutcome =
  | 'answered' | 'refused' | 'timed-out' | 'reset' | 'unreachable' | 'no-route' | 'name-not-resolved' | 'not-permitted' | 'failed' | 'unknown';

export interface ProbeRecord {
  tool: ProbeTool;
  proto: ProbeProto;
  family: 'ipv4' | 'ipv6' | null;
  /** The target as typed (or as the output names it): an address or a host name. */
  target: string;
  /** The address tried: the target's, or the one the output shows a name resolved to; null for a name left unresolved. */
  dst: string | null;
  dport: number | null;
  /** Where the probe left from, as typed (`ping -I eth0`, `curl --interface`, `nc -s`). */
  via: string | null;
  outcome: ProbeOutcome;
  /** What the tool printed about the outcome: `Connection refused`, `Destination Port Unreachable`, `HTTP/1.1 200 OK`. */
  detail: string | null;
  /** The router that sent the ICMP error (`From 10.0.0.1 icmp_seq=1 ...`). */
  reporter: string | null;
  /** ping's statistics line. */
  sent: number | null;
  received: number | null;
  /** The output lines that show the outcome (at most a few). */
  evidence: Array<{ line: number; text: string }>;
  line: number;
}

// ---- one parsed capture ------------------------------------------------------------------

/** Something a parser read but a user should know about (a note the tool printed, a table inferred), at its line. */
export interface CaptureNote {
  line: number;
  message: string;
}

export type ParsedCapture =
  | { kind: 'iptables-save'; ruleset: Ruleset; takenAt: string | null; warnings?: CaptureNote[] }
  | { kind: 'iptables-list'; ruleset: Ruleset; takenAt: null; warnings?: CaptureNote[] }
  /** `nft list ruleset`: the tables iptables-nft wrote, one ruleset per family (ip, ip6). */
  | { kind: 'nft-ruleset'; rulesets: Ruleset[]; takenAt: null; warnings?: CaptureNote[] }
  | { kind: 'ip-addr'; interfaces: InterfaceRecord[]; takenAt: null; warnings?: CaptureNote[] }
  | { kind: 'ip-route'; routes: RouteRecord[]; takenAt: null }
  | { kind: 'route-table'; routes: RouteRecord[]; takenAt: null; warnings?: CaptureNote[] }
  | { kind: 'conntrack'; entries: ConntrackEntry[]; takenAt: null; warnings?: CaptureNote[] }
  | { kind: 'bridge'; ports: BridgePortRecord[]; takenAt: null }
  | { kind: 'kubectl'; services: ServiceRecord[]; endpoints: EndpointsRecord[]; pods: PodRecord[]; takenAt: null; warnings?: CaptureNote[] }
  | { kind: 'ip-rule'; rules: RuleRecord[]; takenAt: null }
  | { kind: 'ip-neigh'; neighbours: NeighbourRecord[]; takenAt: null }
  | { kind: 'bridge-fdb'; entries: FdbRecord[]; takenAt: null }
  | { kind: 'kernel-trace'; events: KernelTraceEvent[]; takenAt: string | null; warnings?: CaptureNote[] }
  | { kind: 'sysctl'; settings: SysctlRecord[]; takenAt: null; warnings?: CaptureNote[] }
  | { kind: 'probe'; probes: ProbeRecord[]; takenAt: null; warnings?: CaptureNote[] };

/** A packet capture is streamed, never held whole: `read` pushes every packet into the sink and returns a summary. */
export interface PacketCaptureSummary {
  packets: number;
  /** ISO-8601 time of the first packet, or null for an empty capture. */
  firstPacketAt: string | null;
  linkTypes: number[];
  interfaces: string[];
}

/** Number of records a parsed capture holds (what `import --json` reports as `records`). */
export function recordCount(capture: ParsedCapture): number {
  switch (capture.kind) {
    case 'iptables-save':
    case 'iptables-list':
      return capture.ruleset.tables.reduce((n, t) => n + t.chains.reduce((m, c) => m + c.rules.length, 0), 0);
    case 'nft-ruleset':
      return capture.rulesets.reduce((k, r) => k + r.tables.reduce((n, t) => n + t.chains.reduce((m, c) => m + c.rules.length, 0), 0), 0);
    case 'ip-addr':
      return capture.interfaces.length;
    case 'ip-route':
    case 'route-table':
      return capture.routes.length;
    case 'conntrack':
      return capture.entries.length;
    case 'bridge':
      return capture.ports.length;
    case 'kubectl':
      return capture.services.length + capture.endpoints.length + capture.pods.length;
    case 'ip-rule':
      return capture.rules.length;
    case 'ip-neigh':
      return capture.neighbours.length;
    case 'bridge-fdb':
      return capture.entries.length;
    case 'kernel-trace':
      return capture.events.length;
    case 'sysctl':
      return capture.settings.length;
    case 'probe':
      return capture.probes.length;
  }
}

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
  | 'kubectl';

export const CAPTURE_KINDS: readonly CaptureKind[] = [
  'iptables-save', 'iptables-list', 'ip-addr', 'ip-route', 'route-table',
  'conntrack', 'tcpdump-text', 'pcap', 'bridge', 'kubectl',
];

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
}

// ---- ip route / route -n / netstat -rn -------------------------------------------------------

export type RouteType =
  | 'unicast' | 'local' | 'broadcast' | 'multicast' | 'anycast'
  | 'blackhole' | 'unreachable' | 'prohibit' | 'throw' | 'nat';

export interface RouteRecord {
  type: RouteType;
  /** `default` or a CIDR (`10.0.0.0/24`; a host route is `/32`). */
  dst: string;
  family: 'ipv4' | 'ipv6';
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
  /** ARP opcode and protocol addresses (src/dst hold sender/target IP). */
  arpOp: number | null;
  /** The frame was cut (captured < original length) before a layer could be decoded; names the layer. */
  truncated: string | null;
  /** Line in a text capture, or byte offset of the record in a binary one. */
  line: number | null;
  offset: number | null;
}

export type PacketSink = (packet: PacketRecord) => void;

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

// ---- one parsed capture ------------------------------------------------------------------

/** Something a parser read but a user should know about (a note the tool printed, a table inferred), at its line. */
export interface CaptureNote {
  line: number;
  message: string;
}

export type ParsedCapture =
  | { kind: 'iptables-save'; ruleset: Ruleset; takenAt: string | null; warnings?: CaptureNote[] }
  | { kind: 'iptables-list'; ruleset: Ruleset; takenAt: null; warnings?: CaptureNote[] }
  | { kind: 'ip-addr'; interfaces: InterfaceRecord[]; takenAt: null }
  | { kind: 'ip-route'; routes: RouteRecord[]; takenAt: null }
  | { kind: 'route-table'; routes: RouteRecord[]; takenAt: null }
  | { kind: 'conntrack'; entries: ConntrackEntry[]; takenAt: null }
  | { kind: 'bridge'; ports: BridgePortRecord[]; takenAt: null }
  | { kind: 'kubectl'; services: ServiceRecord[]; endpoints: EndpointsRecord[]; pods: PodRecord[]; takenAt: null };

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
  }
}

/**
 * The overlay tunnel headers tcpdump prints after the outer addresses (tcpdump 4.99: print-vxlan.c, print-otv.c,
 * print-geneve.c, print-ip.c), and where the inner packet it prints next is:
 *   `VXLAN, flags [I] (0x08), vni 1`                        inner on the next line (vxlan_print ends with "\n")
 *   `OTV, flags [I] (0x08), overlay 0, instance 1`          UDP 8472, Linux's VXLAN port: the same header, the
 *                                                           instance is the VNI; inner on the next line
 *   `Geneve, Flags [none], vni 0x7[, proto TEB (0x6558)][, options [..]]: IP ...`   inner after ": ", or with -v
 *                                                           on the next line ("\n\t")
 *   `IP 192.168.77.1 > 192.168.77.2: IP 10.244.1.5.80 > ...`     IPIP (IP6 after it: IPv6 in IPv4), same line
 * readTunnelHeader leaves what it found for the reader (takeOpenTunnel), which reads the inner packet with the
 * packet line reader and makes it the record (capture/inner-packet.ts). One level only: a tunnel inside the inner
 * packet is left as the inner packet's own UDP or IPIP fields.
 */
import type { PacketRecord, PacketTunnel, TunnelKind } from '../../records/records';
import type { TextCursor } from './text-cursor';

export interface OpenTunnel {
  tunnel: PacketTunnel;
  /** Where on the same line the inner packet starts; null when it is printed on the next line. */
  innerAt: number | null;
  /**
   * With -e, print-ip.c names no network before an IPIP inner packet (`a > b: c.80 > d.5000: Flags [S]`): its
   * family, from the address; null when the inner packet is a packet line of its own (`IP c.80 > ...`).
   */
  innerBare: 'ipv4' | 'ipv6' | null;
}

/** An address pair without a network word: an IPIP inner packet under -e. */
const BARE_PAIR = /([0-9a-f.:]{2,45}?)(?:\.\d{1,5})? > [0-9a-f.:]{2,45}: /y;

const VXLAN = /VXLAN, flags \[[^\]]{0,16}\] \(0x[0-9a-f]{2}\), (?:vni (\d{1,8})|ERROR: I flag not set)/y;
const OTV = /OTV, flags \[[^\]]{0,16}\] \(0x[0-9a-f]{2}\), overlay \d{1,8}, instance (\d{1,8})/y;
const GENEVE = /Geneve, Flags \[[^\]]{0,40}\], vni 0x([0-9a-f]{1,6})/y;

let opened: OpenTunnel | null = null;

/** The tunnel the last packet line opened (once: taking it clears it). */
export function takeOpenTunnel(): OpenTunnel | null {
  const o = opened;
  opened = null;
  return o;
}

/** Forgets a tunnel opened by a line whose inner packet is not to be opened (an inner packet's own). */
export function clearOpenTunnel(): void {
  opened = null;
}

/**
 * At the cursor after `SRC > DST: `: a tunnel header? Returns true (and opens the tunnel) when it read one; the outer
 * protocol is set on `p`. False leaves the cursor where it was.
 */
export function readTunnelHeader(p: PacketRecord, c: TextCursor, portsPrinted: boolean): boolean {
  if (p.src === null || p.dst === null) return false;
  if (!portsPrinted) {
    if (c.startsWith('IP ')) return open(p, 'ipip', null, c.pos, 4);
    if (c.startsWith('IP6 ') && p.network === 'ipv4') return open(p, 'sit', null, c.pos, 41);
    const start = c.pos;
    const bare = c.match(BARE_PAIR);
    c.pos = start;
    if (bare === null) return false;
    const v6 = bare[1]!.includes(':');
    if (v6 && p.network !== 'ipv4') return false;
    return open(p, v6 ? 'sit' : 'ipip', null, start, v6 ? 41 : 4, v6 ? 'ipv6' : 'ipv4');
  }
  const vxlan = c.match(VXLAN) ?? c.match(OTV);
  if (vxlan) {
    // Without the I flag tcpdump prints no VNI, and the kernel would not take the frame: the datagram stays UDP.
    if (vxlan[1] === undefined) {
      p.ipProto = 17;
      p.tunnelProblem = `UDP to port ${p.dport} without the VXLAN I flag: kept as the UDP packet`;
      return true;
    }
    return open(p, 'vxlan', Number(vxlan[1]), null, 17);
  }
  const geneve = c.match(GENEVE);
  if (geneve) {
    const vni = parseInt(geneve[1]!, 16);
    const rest = c.text.indexOf(': ', c.pos);
    return open(p, 'geneve', vni, rest < 0 ? null : rest + 2, 17);
  }
  return false;
}

function open(
  p: PacketRecord, kind: TunnelKind, vni: number | null, innerAt: number | null, proto: number, innerBare: OpenTunnel['innerBare'] = null,
): boolean {
  p.ipProto = proto;
  const udp = kind === 'vxlan' || kind === 'geneve';
  opened = { tunnel: { kind, vni, src: p.src!, dst: p.dst!, sport: udp ? p.sport : null, dport: udp ? p.dport : null }, innerAt, innerBare };
  return true;
}

import type { PacketCaptureSummary, PacketRecord, PacketSink } from '../../records/records';

/** Counts what passes to the sink and remembers what the summary reports. */
export class CaptureTally {
  packets = 0;
  private firstSec: number | null = null;
  private firstNsec = 0;
  private readonly linkTypes: number[] = [];
  private readonly interfaces: string[] = [];
  private lastIface: string | null = null;

  constructor(private readonly sink: PacketSink) {}

  push(p: PacketRecord): void {
    if (this.packets === 0) {
      this.firstSec = p.tsSec;
      this.firstNsec = p.tsNsec;
    }
    this.packets++;
    if (p.iface !== null && p.iface !== this.lastIface) {
      this.lastIface = p.iface;
      this.addInterface(p.iface);
    }
    this.sink(p);
  }

  addLinkType(linkType: number): void {
    if (!this.linkTypes.includes(linkType)) this.linkTypes.push(linkType);
  }

  addInterface(name: string): void {
    if (this.interfaces.length < 4096 && !this.interfaces.includes(name)) this.interfaces.push(name);
  }

  summary(): PacketCaptureSummary {
    return {
      packets: this.packets,
      firstPacketAt: this.firstSec === null ? null : isoTime(this.firstSec, this.firstNsec),
      linkTypes: [...this.linkTypes],
      interfaces: [...this.interfaces],
    };
  }
}

/** ISO-8601 with millisecond precision (what Date parses back); null beyond Date's range. */
function isoTime(sec: number, nsec: number): string | null {
  const ms = sec * 1000 + Math.floor(nsec / 1_000_000);
  return Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : null;
}

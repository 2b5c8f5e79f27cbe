/**
 * Packets that looked tunnelled but whose inner packet could not be read (PacketRecord.tunnelProblem), as import
 * warnings naming each packet (`file#frame` of a pcap, `file:line` of tcpdump text): the first few one by one, the
 * rest counted in one more, so a capture of a million such packets warns a dozen times and still says how many.
 */
export const TUNNEL_WARNINGS_EACH = 10;

export interface TunnelWarning {
  source: string;
  message: string;
}

export class TunnelProblems {
  private readonly listed: TunnelWarning[] = [];
  private more = 0;
  private firstMore = '';
  private lastMore = '';

  /** `source` names the packet (`file#frame`, `file:line`). */
  note(source: string, problem: string): void {
    if (this.listed.length < TUNNEL_WARNINGS_EACH) {
      this.listed.push({ source, message: problem });
      return;
    }
    if (this.more === 0) this.firstMore = source;
    this.more++;
    this.lastMore = source;
  }

  warnings(): TunnelWarning[] {
    if (this.more === 0) return [...this.listed];
    return [
      ...this.listed,
      {
        source: this.firstMore,
        message: `${this.more} more packet(s) like these, the last at ${this.lastMore}, looked tunnelled but their inner packet could not be read: kept as the outer packets`,
      },
    ];
  }
}

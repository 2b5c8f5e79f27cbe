/**
 * Packets that looked tunnelled but whose inner frame could not be read (PacketRecord.tunnelProblem), as import
 * warnings naming each packet (`file#frame`): the first few one by one, the rest counted in one more, so a capture
 * of a million such packets warns a dozen times and still says how many there were.
 */
export const TUNNEL_WARNINGS_EACH = 10;

export interface TunnelWarning {
  source: string;
  message: string;
}

export class TunnelProblems {
  private readonly listed: Array<{ frame: number; problem: string }> = [];
  private more = 0;
  private firstMore = 0;
  private lastMore = 0;

  note(frame: number, problem: string): void {
    if (this.listed.length < TUNNEL_WARNINGS_EACH) {
      this.listed.push({ frame, problem });
      return;
    }
    if (this.more === 0) this.firstMore = frame;
    this.more++;
    this.lastMore = frame;
  }

  warnings(file: string): TunnelWarning[] {
    const out = this.listed.map(({ frame, problem }) => ({ source: `${file}#${frame}`, message: problem }));
    if (this.more > 0) {
      out.push({
        source: `${file}#${this.firstMore}`,
        message: `${this.more} more packet(s) from #${this.firstMore} to #${this.lastMore} looked tunnelled but their inner frame could not be read: kept as the outer packets`,
      });
    }
    return out;
  }
}

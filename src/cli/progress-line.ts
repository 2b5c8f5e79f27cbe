import type { ImportProgress } from '../core/import/import-report';
import { REDRAW, type CliIo } from './cli-io';
import { thousands } from '../core/common/thousands';

/** Redraws at most this often on a terminal. */
const TTY_INTERVAL_MS = 200;
/** Off a terminal, a file this large gets a line every PERCENT_STEP percent; smaller files none. */
const QUIET_BELOW_BYTES = 4 * 1024 * 1024;
const PERCENT_STEP = 10;

const mb = (bytes: number): string => (bytes / 1048576).toFixed(1);

/**
 * Import progress on stderr: on a terminal one line redrawn in place (throttled); in a log or a
 * pipe one line per PERCENT_STEP of a large file, so logs stay short.
 */
export class ProgressLine {
  private lastDraw = 0;
  private lastStep = new Map<string, number>();
  private drawn = false;

  constructor(private readonly io: CliIo) {}

  update(p: ImportProgress): void {
    const percent = p.bytesDone !== null && p.bytesTotal > 0 ? Math.floor((p.bytesDone / p.bytesTotal) * 100) : null;
    const text = (): string =>
      `natlens: importing ${p.file}: ` +
      (percent !== null ? `${percent}% (${mb(p.bytesDone ?? 0)} of ${mb(p.bytesTotal)} MB), ` : '') +
      `${thousands(p.records)} records`;
    if (this.io.stderrIsTty) {
      const now = Date.now();
      if (now - this.lastDraw < TTY_INTERVAL_MS) return;
      this.lastDraw = now;
      this.io.stderr(`${REDRAW}${text()}`);
      this.drawn = true;
      return;
    }
    if (percent === null || p.bytesTotal < QUIET_BELOW_BYTES) return;
    const step = Math.floor(percent / PERCENT_STEP);
    if (step <= (this.lastStep.get(p.file) ?? 0)) return;
    this.lastStep.set(p.file, step);
    this.io.stderr(`${text()}\n`);
  }

  /** Stitching after the import: on a terminal only (a log gets the summary line when it ends). */
  stitching(pass: string, packets: number): void {
    if (!this.io.stderrIsTty) return;
    const now = Date.now();
    if (now - this.lastDraw < TTY_INTERVAL_MS) return;
    this.lastDraw = now;
    this.io.stderr(`${REDRAW}natlens: stitching flows: ${pass} ${thousands(packets)} packets`);
    this.drawn = true;
  }

  /** Clears the in-place line before other output. */
  end(): void {
    if (this.drawn) this.io.stderr(REDRAW);
    this.drawn = false;
  }
}

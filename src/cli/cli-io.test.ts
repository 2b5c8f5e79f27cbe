import { describe, expect, it } from 'vitest';
import { REDRAW, terminalSafeIo, type CliIo } from './cli-io';

function recording(): { io: CliIo; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: (t) => out.push(t), stderr: (t) => err.push(t), stderrIsTty: true }, out, err };
}

describe('terminalSafeIo', () => {
  it('shows control characters of human output as text, keeping newlines and tabs', () => {
    const r = recording();
    const io = terminalSafeIo(r.io, false);
    io.stdout('node\x1b]0;t\x07\tx\n');
    io.stderr('natlens: chain EVIL\x1b[2J\n');
    expect(r.out).toEqual(['node\\x1b]0;t\\x07\tx\n']);
    expect(r.err).toEqual(['natlens: chain EVIL\\x1b[2J\n']);
  });

  it('keeps stdout exact when it carries a document', () => {
    const r = recording();
    terminalSafeIo(r.io, true).stdout('{"name":"a\u202eb"}\n');
    expect(r.out).toEqual(['{"name":"a\u202eb"}\n']);
  });

  it('keeps a progress line’s own carriage return and erase, not those inside its text', () => {
    const r = recording();
    const io = terminalSafeIo(r.io, false);
    io.stderr(`${REDRAW}importing a\rb`);
    io.stderr('\rstitched 3 packets');
    expect(r.err).toEqual([`${REDRAW}importing a\\x0db`, '\rstitched 3 packets']);
  });
});

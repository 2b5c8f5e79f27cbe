/**
 * The fault lab's committed scenarios (test/fixtures/lab-faults): each imports through the built CLI without
 * errors and with zero silent loss — every line test/real/data-lines.ts calls data, in every text file of the
 * scenario, lies inside a capture natlens read or a warning that names it — and each scenario.json says what
 * the lab meant: the fault's traffic ended as induced, and every rule or conntrack line it cites is the line
 * at that place in the capture.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { dataLines } from './data-lines';
import { natlens, type ImportJson, type LineRange } from './natlens-cli';
import { FAULT_SCENARIOS, LAB_FAULTS_DIR, readFaultScenario, type FaultScenarioName, type Outcome } from './lab-faults';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'natlens-lab-faults-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** `/x/nodes/nodea/ip-route.txt:3` → `/x/nodes/nodea/ip-route.txt`; a pcap's source carries no line. */
function fileOf(source: string): string {
  return source.replace(/:\d+$/, '');
}

function textFiles(root: string): string[] {
  return fs.readdirSync(root, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.txt'))
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

/** The failing outcome each fault scenario exists to show (the healthy one: nothing fails). */
const FAULT_OUTCOME: Record<FaultScenarioName, Outcome | null> = {
  healthy: null,
  'no-endpoints': 'refused',
  'forward-drop': 'timed-out',
  hairpin: 'timed-out',
  'stale-endpoint': 'timed-out',
  'asymmetric-reply': 'timed-out',
};

describe.each(FAULT_SCENARIOS.map((s) => [s]))('fault lab scenario %s', (name) => {
  const root = path.resolve(LAB_FAULTS_DIR, name);
  const scenario = readFaultScenario(path.resolve(LAB_FAULTS_DIR), name);

  it('imports with the CLI without errors and with zero unread data lines', () => {
    const transcripts = fs.readdirSync(path.join(root, 'transcripts')).map((f) => path.join(root, 'transcripts', f));
    const run = natlens(['import', '--db', path.join(dir, `${name}.db`), '--json', path.join(root, 'nodes'), ...transcripts]);
    expect(run.stdout, `import printed no JSON; stderr: ${run.stderr}`).not.toBe('');
    const result = JSON.parse(run.stdout) as ImportJson;
    expect(result.errors).toEqual([]);
    expect(run.code).toBe(0);
    expect(result.nodes.map((n) => n.name).sort()).toEqual(['nodea', 'nodeb']);

    const read = new Map<string, LineRange[]>();
    const add = (source: string | undefined, lines: LineRange | null | undefined): void => {
      if (source === undefined || !lines) return;
      const file = fileOf(source);
      read.set(file, [...(read.get(file) ?? []), lines]);
    };
    for (const c of result.nodes.flatMap((n) => n.captures)) add(c.source, c.lines);
    for (const w of [...result.warnings, ...result.errors]) add(w.source, w.lines);

    const lost: string[] = [];
    for (const file of textFiles(root)) {
      const ranges = read.get(file) ?? [];
      for (const d of dataLines(fs.readFileSync(file, 'utf8'))) {
        if (!ranges.some(([first, last]) => d.line >= first && d.line <= last)) lost.push(`${path.relative(root, file)}:${d.line} (${d.category}, ${d.shape})`);
      }
    }
    expect(lost, 'data-shaped lines neither read nor warned about').toEqual([]);

    // Every pcap is read, with as many packets as tcpdump printed for it.
    const captures = result.nodes.flatMap((n) => n.captures);
    for (const pcap of captures.filter((c) => c.kind === 'pcap')) {
      const text = captures.find((c) => c.kind === 'tcpdump-text' && fileOf(c.source) === pcap.source.replace(/\.pcap$/, '.tcpdump.txt'));
      const printed = fs.readFileSync(pcap.source.replace(/\.pcap$/, '.tcpdump.txt'), 'utf8').split('\n').filter((l) => l !== '').length;
      expect(pcap.records, pcap.source).toBe(printed);
      if (printed > 0) expect(text?.records, `${pcap.source}'s text twin`).toBe(printed);
    }
  });

  it('ended its traffic as the fault makes it end', () => {
    for (const p of scenario.sent) expect(p.outcome, `${p.id}: ${p.src}:${p.sport} -> ${p.dst}:${p.dport}`).toBe(p.expectedOutcome);
    const failing = scenario.sent.filter((p) => p.captured && p.outcome !== 'answered').map((p) => p.outcome);
    const fault = FAULT_OUTCOME[name];
    if (fault === null) {
      expect(failing).toEqual([]);
      expect(scenario.expected).toEqual({ findings: [], noErrorFindings: true });
    } else {
      expect(failing.length).toBeGreaterThan(0);
      expect(new Set(failing)).toEqual(new Set([fault]));
      expect(scenario.expected.findings.length).toBeGreaterThan(0);
    }
  });

  it('cites rules and conntrack entries by the file:line that holds them', () => {
    for (const f of scenario.expected.findings) {
      expect(f.rules.length + f.conntrack.length, f.kind).toBeGreaterThan(0);
      for (const loc of [...f.rules, ...f.conntrack]) {
        const [file, line] = [loc.source.slice(0, loc.source.lastIndexOf(':')), Number(loc.source.slice(loc.source.lastIndexOf(':') + 1))];
        expect(line).toBe(loc.line);
        expect(fs.readFileSync(path.join(root, file), 'utf8').split('\n')[line - 1], loc.source).toBe(loc.text);
      }
      for (const flow of f.flows) {
        expect(scenario.sent.some((p) => p.captured && p.proto === flow.proto && p.src === flow.src && p.sport === flow.sport && p.dst === flow.dst && p.dport === flow.dport && p.outcome !== 'answered'),
          `${f.kind}: flow ${flow.src}:${flow.sport} -> ${flow.dst}:${flow.dport} is one the lab sent and saw fail`).toBe(true);
      }
    }
  });
});

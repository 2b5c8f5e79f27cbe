/**
 * Issue 13's evidence: on the fault lab (test/fixtures/lab-faults), each induced kernel fault gives exactly
 * the finding scenario.json names — its kind, severity, service and nodes, the rules and conntrack entries
 * it cites among the evidence, the failing flow among its flows, and a trace that replays to the verdict
 * the lab states — and no other error or warning; the healthy run gives no error or warning at all.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProjectFinding } from '../../src/core/diagnose/finding';
import { projectFindings } from '../../src/core/project/findings';
import { listFlows, type FlowView } from '../../src/core/project/flows';
import { importPaths } from '../../src/core/import/import-paths';
import { traceProject } from '../../src/core/project/project-trace';
import type { Store } from '../../src/core/model/store';
import { tempProject, type TempProject } from '../support/temp-project';
import { FAULT_SCENARIOS, LAB_FAULTS_DIR, readFaultScenario, scenarioInputs, withoutCounters, type ExpectedFinding, type LocatedLine } from './lab-faults';

const ROOT = path.resolve(LAB_FAULTS_DIR);

/** `10.40.1.3:40301` / `[fd00::1]:80` / `10.0.0.1` → address and port. */
function endpoint(text: string): { address: string; port: number | null } {
  const m = /^\[(.+)\]:(\d+)$/.exec(text) ?? /^([^:]+):(\d+)$/.exec(text);
  return m ? { address: m[1]!, port: Number(m[2]) } : { address: text, port: null };
}

/** The tuples of a `conntrack -L` line as natlens prints tuples: `src:sport > dst:dport`, original then reply. */
function conntrackTuples(line: string): string[] {
  const words = [...line.matchAll(/\b(src|dst|sport|dport)=(\S+)/g)].map((m) => [m[1]!, m[2]!] as const);
  const tuples: string[] = [];
  for (let i = 0; i + 1 < words.length; ) {
    const t: Record<string, string> = {};
    while (i < words.length && !(words[i]![0] === 'src' && t.src !== undefined)) {
      t[words[i]![0]] = words[i]![1];
      i++;
    }
    tuples.push(`${t.src}${t.sport ? `:${t.sport}` : ''} > ${t.dst}${t.dport ? `:${t.dport}` : ''}`);
  }
  return tuples;
}

/** The text at `file:line` of a source natlens cites (null for a pcap frame or a place without a line). */
function lineAt(source: string): string | null {
  const m = /^(.*):(\d+)$/.exec(source);
  if (!m || !fs.existsSync(m[1]!)) return null;
  return fs.readFileSync(m[1]!, 'utf8').split('\n')[Number(m[2]) - 1] ?? null;
}

/**
 * The evidence cites `loc`: by its place (`nodes/<node>/<file>:<line>`), or by a transcript line holding the
 * same text (the same command typed in the session), with the rule's text (counters aside) or the entry's tuples.
 */
/** A line as natlens quotes it: counters aside, spacing normalised (`ip route` prints a trailing blank). */
const quoted = (line: string): string => withoutCounters(line.trim()).replace(/\s+/g, ' ');

function cites(f: ProjectFinding, loc: LocatedLine, scenarioDir: string, kind: 'rule' | 'conntrack'): boolean {
  const wanted = quoted(loc.text);
  const sameText = (text: string): boolean => {
    if (quoted(text) === wanted) return true;
    if (kind !== 'conntrack') return false;
    const tuples = conntrackTuples(loc.text);
    return tuples.length === 2 && tuples.every((t) => text.includes(t));
  };
  return f.evidence.some((e) => {
    if (!sameText(e.text)) return false;
    if (e.source.endsWith(`/${loc.source}`)) return true;
    const transcripts = path.join(scenarioDir, 'transcripts') + path.sep;
    const at = lineAt(e.source);
    return path.resolve(e.source).startsWith(transcripts) && at !== null && quoted(at) === wanted;
  });
}

function flowOf(flows: readonly FlowView[], f: ExpectedFinding['flows'][number]): FlowView | undefined {
  return flows.find((v) => v.proto === f.proto && v.original.src === f.src && v.original.sport === f.sport && v.original.dst === f.dst && v.original.dport === f.dport);
}

describe.each(FAULT_SCENARIOS.map((s) => [s]))('findings of fault lab scenario %s', (name) => {
  const scenario = readFaultScenario(ROOT, name);
  const dir = path.join(ROOT, name);
  let project: TempProject;
  let store: Store;
  let findings: ProjectFinding[];
  let flows: FlowView[];
  beforeAll(() => {
    project = tempProject(`lab-faults-findings-${name}`);
    store = project.store();
    const report = importPaths(store, scenarioInputs(ROOT, name));
    expect(report.errors).toEqual([]);
    findings = projectFindings(store);
    flows = listFlows(store);
  });
  afterAll(() => project.cleanup());

  const serious = (): ProjectFinding[] => findings.filter((f) => f.severity === 'error' || f.severity === 'warning');
  const describeFinding = (f: ProjectFinding): string => `${f.severity} ${f.kind}: ${f.title}`;

  /** The finding of `expected`'s kind whose flows hold its first failing flow. */
  const matching = (expected: ExpectedFinding): ProjectFinding | undefined => {
    const ids = expected.flows.map((x) => flowOf(flows, x)?.id).filter((id): id is number => id !== undefined);
    return findings.find((f) => f.kind === expected.kind && ids.some((id) => f.flows.includes(id)));
  };

  if (scenario.expected.findings.length === 0) {
    it('gives no error or warning', () => {
      expect(serious().map(describeFinding)).toEqual([]);
    });
    return;
  }

  it.each(scenario.expected.findings.map((f) => [f.kind, f]))('gives the %s finding with its rules, entries and flows', (_kind, expected) => {
    for (const x of expected.flows) expect(flowOf(flows, x), `flow ${x.src}:${x.sport} -> ${x.dst}:${x.dport} is stitched`).toBeDefined();
    const f = matching(expected);
    expect(f, `a ${expected.kind} finding for the failing flow; found: ${findings.map(describeFinding).join(' | ')}`).toBeDefined();
    expect(f!.severity).toBe(expected.severity);
    expect(f!.service).toBe(expected.service);
    expect(new Set(f!.nodes)).toEqual(new Set(expected.nodes));
    for (const x of expected.flows) expect(f!.flows, `${x.src}:${x.sport} -> ${x.dst}:${x.dport}`).toContain(flowOf(flows, x)!.id);
    const evidence = f!.evidence.map((e) => `${e.source} | ${e.text}`).join('\n');
    for (const rule of expected.rules) expect(cites(f!, rule, dir, 'rule'), `${rule.source} ${rule.text}\namong:\n${evidence}`).toBe(true);
    for (const entry of expected.conntrack) expect(cites(f!, entry, dir, 'conntrack'), `${entry.source} ${entry.text}\namong:\n${evidence}`).toBe(true);
  });

  it('gives no other error or warning', () => {
    const named = new Set(scenario.expected.findings.map(matching).filter((f) => f !== undefined));
    expect(serious().filter((f) => !named.has(f)).map(describeFinding)).toEqual([]);
  });

  it('gives each finding a trace that replays to the verdict the lab states', () => {
    for (const expected of scenario.expected.findings) {
      const f = matching(expected);
      expect(f?.trace, expected.kind).not.toBeNull();
      const t = f!.trace!;
      const src = endpoint(t.src);
      const dst = endpoint(t.dst);
      const result = traceProject(store, {
        node: t.node, proto: t.proto, src: src.address, sport: src.port, dst: dst.address, dport: dst.port, follow: true,
        ...('local' in t ? { local: true } : { in: t.in }),
      }, { snapshot: null });
      // The trace replays one of the finding's failing flows, as first sent.
      const flow = expected.flows.find((x) => x.src === src.address && x.sport === src.port && x.dst === dst.address && x.dport === dst.port);
      expect(flow, `trace ${t.src} -> ${t.dst} replays one of the expected flows`).toBeDefined();
      if (flow?.verdict === undefined) continue;
      const likeliest = result.outcomes.reduce((a, b) => (b.probability > a.probability ? b : a));
      expect(likeliest.verdict, `${t.node} ${t.src} -> ${t.dst}`).toBe(flow.verdict);
    }
  });
});

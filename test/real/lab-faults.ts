// The fault lab's scenarios (test/fixtures/lab-faults, made by scripts/lab/faults.sh): the scenario.json
// shape the tests read, and the "shape" of a run that must not change when the lab is regenerated.
import fs from 'node:fs';
import path from 'node:path';

export const LAB_FAULTS_DIR = path.join('test', 'fixtures', 'lab-faults');

export const FAULT_SCENARIOS = ['healthy', 'no-endpoints', 'forward-drop', 'hairpin', 'stale-endpoint', 'asymmetric-reply'] as const;
export type FaultScenarioName = (typeof FAULT_SCENARIOS)[number];

export type Outcome = 'answered' | 'refused' | 'unreachable' | 'reset' | 'timed-out';

export interface SentProbe {
  id: string;
  from: string;
  proto: 'tcp' | 'udp';
  src: string;
  sport: number;
  dst: string;
  dport: number;
  /** False for traffic sent before the captures started (the stale-endpoint scenario's first phase). */
  captured: boolean;
  outcome: Outcome;
  expectedOutcome: Outcome;
  answeredBy: string | null;
  conntrack: Array<{ node: string; source: string; dnatTo: string | null; unreplied: boolean; line: string }>;
}

export interface LocatedLine {
  /** `nodes/<node>/<file>:<line>`, relative to the scenario's folder. */
  source: string;
  line: number;
  text: string;
}

export interface ExpectedFinding {
  kind: string;
  severity: 'error' | 'warning' | 'info';
  service: string | null;
  nodes: string[];
  rules: LocatedLine[];
  conntrack: LocatedLine[];
  /** As first sent; `node` is where the fault acts, `verdict` what the replay of it ends in (where the lab states one). */
  flows: Array<{ proto: string; src: string; sport: number; dst: string; dport: number; node: string; in?: string; verdict?: 'deliver' | 'forward' | 'drop' | 'reject'; dnatTo?: string }>;
}

export interface FaultScenario {
  generatedBy: string;
  scenario: FaultScenarioName;
  fault: { induced: string | null; kernel: string };
  captures: Record<string, Record<string, string>>;
  sent: SentProbe[];
  expected: { findings: ExpectedFinding[]; noErrorFindings: boolean };
}

export function readFaultScenario(root: string, name: FaultScenarioName): FaultScenario {
  return JSON.parse(fs.readFileSync(path.join(root, name, 'scenario.json'), 'utf8')) as FaultScenario;
}

/** `[3:180] -A FORWARD ...` → `-A FORWARD ...`; `:FORWARD DROP [3:180]` → `:FORWARD DROP`: counters change run to run. */
export function withoutCounters(rule: string): string {
  return rule.replace(/^\[\d+:\d+\] /, '').replace(/ \[\d+:\d+\]$/, '');
}

/**
 * What a rerun of the lab must reproduce: how each kind of probe ended (ids without their port suffix, since the
 * healthy run sends as many ClusterIP connections as it takes to reach both endpoints) and the expected findings
 * with their rules (line and text, counters aside). Times, MACs, sequence numbers and which endpoint answered vary.
 */
export function scenarioShape(s: FaultScenario): { outcomes: string[]; findings: unknown[] } {
  const outcomes = [...new Set(s.sent.map((p) => `${p.id.replace(/-\d+$/, '')} ${p.proto} ${p.captured ? 'captured' : 'before captures'}: ${p.outcome}`))].sort();
  const findings = s.expected.findings.map((f) => ({
    kind: f.kind,
    severity: f.severity,
    service: f.service,
    nodes: f.nodes,
    rules: f.rules.map((r) => ({ source: r.source, text: withoutCounters(r.text) })),
    // conntrack -L lists entries in no fixed order and with running timeouts: the file and the tuples.
    conntrack: f.conntrack.map((c) => `${c.source.replace(/:\d+$/, '')} ${[...c.text.matchAll(/\b(?:src|dst|sport|dport)=\S+/g)].map((m) => m[0]).join(' ')}`),
    flows: f.flows,
  }));
  return { outcomes, findings };
}

/** Every file of a scenario natlens is meant to import: the node folders and the transcripts. */
export function scenarioInputs(root: string, name: FaultScenarioName): string[] {
  const dir = path.join(root, name);
  const transcripts = fs.readdirSync(path.join(dir, 'transcripts')).map((f) => path.join(dir, 'transcripts', f));
  return [path.join(dir, 'nodes'), ...transcripts.sort()];
}

/**
 * Stores a ruleset as a reader hands it over (RulesetSink): a chain's row, with its rules as JSON
 * (rule-json.ts), is written once the reader moves on to another chain, so memory holds one chain at a
 * time. A dump that comes back to a chain it left (rare outside hand-written files) updates that row.
 */
import type Database from 'better-sqlite3';
import type { Rule, Ruleset, TableName } from '../netfilter/ruleset';
import type { ChainHead, RulesetSink } from '../netfilter/ruleset-sink';
import { BatchInsert } from './batch-insert';
import { RecordJson } from './rule-json';

const CHAIN_COLUMNS = ['id', 'table_id', 'seq', 'name', 'builtin', 'policy', 'packets', 'bytes', 'line', 'rules'] as const;

interface ChainState {
  /** Its place among the table's chains, as declared. */
  seq: number;
  /** Given when the row is written: rows then go in in id order, whatever order the dump declares chains in. */
  id: number;
  head: ChainHead;
  /** The JSON of each rule not yet written. */
  rules: string[];
  written: boolean;
}

const flag = (b: boolean): number => (b ? 1 : 0);

export class RulesetWriter implements RulesetSink {
  private readonly rulesetId: number;
  private tableId = 0;
  private lastChainId: number;
  /** The open table's chains. */
  private readonly chains = new Map<string, ChainState>();
  private current: ChainState | null = null;
  private readonly rows: BatchInsert;
  private readonly json = new RecordJson();
  private readonly insertTable: Database.Statement;

  constructor(
    private readonly db: Database.Database,
    captureId: number,
  ) {
    // Family and origin are known at the end of a streamed dump (the header may say, counters may show late): finish() sets them.
    this.rulesetId = Number(
      db
        .prepare(`INSERT INTO rulesets (capture_id, family, format, interfaces_shown, counters_shown, partial) VALUES (?, 'ipv4', 'iptables-save', 1, 0, 0)`)
        .run(captureId).lastInsertRowid,
    );
    this.insertTable = db.prepare('INSERT INTO rule_tables (ruleset_id, name, line) VALUES (?, ?, ?)');
    // Chains get their ids here, so that tens of thousands of them go in batches.
    this.lastChainId = (db.prepare('SELECT max(id) AS id FROM chains').get() as { id: number | null }).id ?? 0;
    this.rows = new BatchInsert(db, 'chains', CHAIN_COLUMNS, 64);
  }

  table(name: TableName, line: number): void {
    this.tableId = Number(this.insertTable.run(this.rulesetId, name, line).lastInsertRowid);
  }

  chain(head: ChainHead): void {
    const known = this.chains.get(head.name);
    if (known === undefined) {
      this.chains.set(head.name, { seq: this.chains.size + 1, id: 0, head, rules: [], written: false });
      return;
    }
    // Declared again: a new policy and counters; the chain is still where it was first declared.
    known.head = { ...known.head, policy: head.policy, counters: head.counters };
    if (!known.written) return;
    this.rows.flush();
    this.db
      .prepare('UPDATE chains SET policy = ?, packets = ?, bytes = ? WHERE id = ?')
      .run(head.policy, head.counters?.packets ?? null, head.counters?.bytes ?? null, known.id);
  }

  rule(chain: string, at: number, rule: Rule): void {
    let state = this.current;
    if (state === null || state.head.name !== chain) {
      if (state !== null) this.write(state);
      state = this.chains.get(chain)!;
      if (state.written) state.rules = this.storedRules(state.id);
      this.current = state;
    }
    const text = this.json.rule(rule);
    if (at === state.rules.length) state.rules.push(text);
    else state.rules.splice(at, 0, text);
  }

  commit(): void {
    for (const state of this.chains.values()) if (!state.written || state === this.current) this.write(state);
    this.rows.flush();
    this.chains.clear();
    this.current = null;
  }

  /** The ruleset's family and origin, once the reader knows them. */
  finish(family: Ruleset['family'], origin: Ruleset['origin']): void {
    this.db
      .prepare('UPDATE rulesets SET family = ?, format = ?, interfaces_shown = ?, counters_shown = ?, partial = ? WHERE id = ?')
      .run(family, origin.format, flag(origin.interfacesShown), flag(origin.countersShown), flag(origin.partial), this.rulesetId);
  }

  private write(state: ChainState): void {
    const rules = `[${state.rules.join(',')}]`;
    state.rules = [];
    if (state.written) {
      this.rows.flush();
      this.db.prepare('UPDATE chains SET rules = ? WHERE id = ?').run(rules, state.id);
      return;
    }
    const { head } = state;
    state.id = ++this.lastChainId;
    this.rows.add([state.id, this.tableId, state.seq, head.name, flag(head.builtin), head.policy, head.counters?.packets ?? null, head.counters?.bytes ?? null, head.line, rules]);
    state.written = true;
  }

  /** A chain written earlier that the dump came back to, as rule JSON again. */
  private storedRules(id: number): string[] {
    this.rows.flush();
    const row = this.db.prepare('SELECT rules FROM chains WHERE id = ?').get(id) as { rules: string };
    return (JSON.parse(row.rules) as unknown[]).map((r) => JSON.stringify(r));
  }
}

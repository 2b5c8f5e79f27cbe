/**
 * A ruleset streamed into the store as "tapes": flat arrays of table, chain and rule rows, tagged, in the
 * order a reader met them. A reader thread fills tapes (RulesetTapeSink); the thread holding the database
 * writes them (RulesetTapeWriter). Tapes hold only numbers, strings and nulls, so they cross threads cheaply.
 * Tables and chains are numbered within the ruleset; the writer turns those numbers into row ids.
 */
import type Database from 'better-sqlite3';
import type { NatRuleFacts } from '../netfilter/kube-proxy';
import type { Match, Rule, TableName, Target } from '../netfilter/ruleset';
import type { ChainHead, RulesetSink } from '../netfilter/ruleset-sink';
import { BatchInsert, maxId } from './batch-insert';
import { CHAIN_COLUMNS, pushChainRow, pushRuleRow, RULE_COLUMNS } from './rows/rule-rows';

export type RulesetTape = unknown[];

/** [TABLE, name, line] */
const TABLE = 0;
/** [CHAIN, ...CHAIN_COLUMNS] with id and table_id numbered within the ruleset */
const CHAIN = 1;
/** [RULE, ...RULE_COLUMNS] with chain_id numbered within the ruleset */
const RULE = 2;

/** Sees the ruleset as the writer stores it (kube-proxy's services are gathered from the rows). */
export interface TapeObserver {
  table(name: TableName): void;
  chain(head: { name: string }): void;
  facts(chain: string, rule: NatRuleFacts): void;
}

/** Where a column's value sits in a tape entry (after its tag). */
const ruleColumn = (c: (typeof RULE_COLUMNS)[number]): number => 1 + RULE_COLUMNS.indexOf(c);
const [TEXT, LINE, MATCHES, TARGET, TARGET_KIND, TARGET_CHAIN, COMMENT] = (
  ['text', 'line', 'matches', 'target', 'target_kind', 'target_chain', 'comment'] as const
).map(ruleColumn) as [number, number, number, number, number, number, number];
const CHAIN_NAME = 1 + CHAIN_COLUMNS.indexOf('name');

/** The rule at `at` of a tape, read lazily: one instance serves every rule. */
class TapeRule implements NatRuleFacts {
  tape: RulesetTape = [];
  at = 0;
  get comment(): string | null {
    return this.tape[this.at + COMMENT] as string | null;
  }
  get jump(): string | null {
    return this.tape[this.at + TARGET_CHAIN] as string | null;
  }
  get targetKind(): Target['kind'] | null {
    return this.tape[this.at + TARGET_KIND] as Target['kind'] | null;
  }
  get text(): string {
    return this.tape[this.at + TEXT] as string;
  }
  get line(): number {
    return this.tape[this.at + LINE] as number;
  }
  matches(): Match[] {
    return JSON.parse(this.tape[this.at + MATCHES] as string) as Match[];
  }
  target(): Target | null {
    const json = this.tape[this.at + TARGET] as string | null;
    return json === null ? null : (JSON.parse(json) as Target);
  }
}

/** A ruleset the tape cannot carry in order: a rule inserted (-I) before others, a chain declared twice. */
export class NotInOrder extends Error {}

/** Entries per tape (~1,000 rules): big enough to keep messages few, small enough that the writer starts early. */
const TAPE_ENTRIES = 12_288;

export class RulesetTapeSink implements RulesetSink {
  private tape: RulesetTape = [];
  private tables = 0;
  /** Chain name → its number and length, in the open table. */
  private chains = new Map<string, { id: number; length: number }>();
  private chainCount = 0;

  constructor(private readonly emit: (tape: RulesetTape) => void) {}

  table(name: TableName, line: number): void {
    this.tables++;
    this.chains = new Map();
    this.tape.push(TABLE, name, line);
  }

  chain(head: ChainHead): void {
    if (this.chains.has(head.name)) throw new NotInOrder(`chain ${head.name} is declared twice`);
    const id = ++this.chainCount;
    this.chains.set(head.name, { id, length: 0 });
    this.tape.push(CHAIN);
    pushChainRow(this.tape, id, this.tables, head);
    if (this.tape.length >= TAPE_ENTRIES) this.flush();
  }

  rule(chain: string, at: number, rule: Rule): void {
    const c = this.chains.get(chain)!;
    if (at !== c.length) throw new NotInOrder(`a rule is inserted at ${at + 1} in ${chain}`);
    c.length++;
    this.tape.push(RULE);
    pushRuleRow(this.tape, c.id, rule);
    if (this.tape.length >= TAPE_ENTRIES) this.flush();
  }

  commit(): void {}

  /** Hands over what is buffered; call once more after the last line. */
  flush(): void {
    if (this.tape.length === 0) return;
    this.emit(this.tape);
    this.tape = [];
  }
}

/** Writes tapes of one ruleset; the caller holds the transaction. */
export class RulesetTapeWriter {
  readonly rulesetId: number;
  private readonly tableIds: number[] = [];
  private readonly chainBase: number;
  private readonly insertTable: Database.Statement;
  private readonly chains: BatchInsert;
  private readonly rules: BatchInsert;
  private chainsPending = false;
  /** Chain names by their number within the ruleset, for the observer. */
  private readonly chainNames: string[] = [''];
  private readonly rule = new TapeRule();
  rulesWritten = 0;

  constructor(
    private readonly db: Database.Database,
    captureId: number,
    private readonly observer: TapeObserver | null = null,
  ) {
    // Tapes come from iptables-save dumps. Family and counters are known at the end: finish() sets them.
    this.rulesetId = Number(
      db.prepare(
        `INSERT INTO rulesets (capture_id, family, format, interfaces_shown, counters_shown, partial) VALUES (?, 'ipv4', 'iptables-save', 1, 0, 0)`,
      ).run(captureId).lastInsertRowid,
    );
    this.insertTable = db.prepare('INSERT INTO rule_tables (ruleset_id, name, line) VALUES (?, ?, ?)');
    this.chainBase = maxId(db, 'chains');
    this.chains = new BatchInsert(db, 'chains', CHAIN_COLUMNS, 128);
    this.rules = new BatchInsert(db, 'rules', RULE_COLUMNS, 256);
  }

  write(tape: RulesetTape): void {
    const chainWidth = CHAIN_COLUMNS.length + 1;
    const ruleWidth = RULE_COLUMNS.length + 1;
    for (let i = 0; i < tape.length; ) {
      const op = tape[i];
      switch (op) {
        case TABLE:
          this.observer?.table(tape[i + 1] as TableName);
          this.tableIds.push(Number(this.insertTable.run(this.rulesetId, tape[i + 1], tape[i + 2]).lastInsertRowid));
          i += 3;
          break;
        case CHAIN:
          this.chainNames.push(tape[i + CHAIN_NAME] as string);
          this.observer?.chain({ name: tape[i + CHAIN_NAME] as string });
          tape[i + 1] = this.chainBase + (tape[i + 1] as number);
          tape[i + 2] = this.tableIds[(tape[i + 2] as number) - 1];
          this.chains.add(tape, i + 1);
          this.chainsPending = true;
          i += chainWidth;
          break;
        case RULE:
          // A rule names its chain: the chain's row goes first.
          if (this.chainsPending) {
            this.chains.flush();
            this.chainsPending = false;
          }
          if (this.observer !== null) {
            this.rule.tape = tape;
            this.rule.at = i;
            this.observer.facts(this.chainNames[tape[i + 1] as number]!, this.rule);
          }
          tape[i + 1] = this.chainBase + (tape[i + 1] as number);
          this.rules.add(tape, i + 1);
          this.rulesWritten++;
          i += ruleWidth;
          break;
        default:
          throw new Error(`ruleset tape: unknown entry ${String(op)} at ${i}`);
      }
    }
  }

  /** After the last tape. */
  finish(family: 'ipv4' | 'ipv6', countersShown: boolean): void {
    this.chains.flush();
    this.rules.flush();
    this.db.prepare('UPDATE rulesets SET family = ?, counters_shown = ? WHERE id = ?').run(family, countersShown ? 1 : 0, this.rulesetId);
  }
}

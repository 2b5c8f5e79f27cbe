/**
 * A ruleset streamed into the store as "tapes": flat arrays of table rows, chain headers and rule chunks
 * (rows/rule-chunks.ts), tagged, in the order a reader met them. A reader thread fills tapes
 * (RulesetTapeSink), compressing the rules as it goes; the thread holding the database writes them
 * (RulesetTapeWriter). Tapes hold only numbers, strings, nulls and byte arrays, so they cross threads cheaply.
 * Tables and chains are numbered within the ruleset; the writer turns those numbers into row ids.
 */
import type Database from 'better-sqlite3';
import type { Rule, TableName } from '../netfilter/ruleset';
import type { ChainHead, RulesetSink } from '../netfilter/ruleset-sink';
import { ChainHeadsBuilder, insertChainHeads, nextChainId } from './rows/chain-heads';
import { CHAIN_COLUMNS, pushChainRow } from './rows/rule-rows';
import { CHUNK_RULES, RuleChunkBuilder, RuleChunkWriter } from './rows/rule-chunks';

export type RulesetTape = unknown[];

/** [TABLE, name, line] */
const TABLE = 0;
/** [CHAIN, ...CHAIN_COLUMNS] with id and table_id numbered within the ruleset */
const CHAIN = 1;
/** [CHUNK, body, runs, snat] (EncodedChunk) with chains numbered within the ruleset */
const CHUNK = 2;

/** A ruleset the tape cannot carry in order: a rule inserted (-I) before others, a chain declared twice. */
export class NotInOrder extends Error {}

/** Chain entries per tape beyond which it goes without waiting for a chunk's worth of rules. */
const TAPE_ENTRIES = 12_288;

export class RulesetTapeSink implements RulesetSink {
  private tape: RulesetTape = [];
  private tables = 0;
  /** Chain name → its number and length, in the open table. */
  private chains = new Map<string, { id: number; length: number }>();
  private chainCount = 0;
  /** The chain of the last rule: a dump's rules come chain by chain. */
  private lastName: string | null = null;
  private last: { id: number; length: number } | null = null;
  private readonly rules = new RuleChunkBuilder();

  constructor(private readonly emit: (tape: RulesetTape) => void) {}

  table(name: TableName, line: number): void {
    this.tables++;
    this.chains = new Map();
    this.lastName = null;
    this.tape.push(TABLE, name, line);
  }

  chain(head: ChainHead): void {
    const id = ++this.chainCount;
    // One lookup: a chain already there is replaced, and the tape given up.
    const known = this.chains.size;
    this.chains.set(head.name, { id, length: 0 });
    if (this.chains.size === known) throw new NotInOrder(`chain ${head.name} is declared twice`);
    this.tape.push(CHAIN);
    pushChainRow(this.tape, id, this.tables, head);
    if (this.tape.length >= TAPE_ENTRIES) this.flush();
  }

  rule(chain: string, at: number, rule: Rule): void {
    if (chain !== this.lastName) {
      this.last = this.chains.get(chain)!;
      this.lastName = chain;
    }
    const c = this.last!;
    if (at !== c.length) throw new NotInOrder(`a rule is inserted at ${at + 1} in ${chain}`);
    c.length++;
    // The dump reader read this rule from its text: it reads back from it.
    this.rules.add(c.id, chain, rule, true);
    if (this.rules.size >= CHUNK_RULES) this.flush();
  }

  /** A table's rules end in its own chunks. */
  commit(): void {
    this.takeChunk();
  }

  /** Hands over what is buffered; call once more after the last line. */
  flush(): void {
    this.takeChunk();
    if (this.tape.length === 0) return;
    this.emit(this.tape);
    this.tape = [];
  }

  private takeChunk(): void {
    const chunk = this.rules.take();
    if (chunk !== null) this.tape.push(CHUNK, chunk.body, chunk.runs, chunk.snat);
  }
}

/** Writes tapes of one ruleset; the caller holds the transaction. */
export class RulesetTapeWriter {
  readonly rulesetId: number;
  /** Each table's chain headers, stored when the last tape is written (they say which chains SNAT). */
  private readonly tables: ChainHeadsBuilder[] = [];
  private readonly chainBase: number;
  private readonly insertTable: Database.Statement;
  private readonly chunks: RuleChunkWriter;
  private readonly chainId = (chain: number): number => this.chainBase + chain;

  constructor(
    private readonly db: Database.Database,
    captureId: number,
  ) {
    // Tapes come from iptables-save dumps. Family and counters are known at the end: finish() sets them.
    this.rulesetId = Number(
      db.prepare(
        `INSERT INTO rulesets (capture_id, family, format, interfaces_shown, counters_shown, partial) VALUES (?, 'ipv4', 'iptables-save', 1, 0, 0)`,
      ).run(captureId).lastInsertRowid,
    );
    this.insertTable = db.prepare('INSERT INTO rule_tables (ruleset_id, name, line) VALUES (?, ?, ?)');
    this.chainBase = nextChainId(db) - 1;
    this.chunks = new RuleChunkWriter(db, this.rulesetId);
  }

  get rulesWritten(): number {
    return this.chunks.rules;
  }

  write(tape: RulesetTape): void {
    const chainWidth = CHAIN_COLUMNS.length + 1;
    for (let i = 0; i < tape.length; ) {
      const op = tape[i];
      switch (op) {
        case TABLE: {
          const tableId = Number(this.insertTable.run(this.rulesetId, tape[i + 1], tape[i + 2]).lastInsertRowid);
          const last = this.tables.at(-1);
          this.tables.push(new ChainHeadsBuilder(tableId, last === undefined ? this.chainBase + 1 : last.firstId + last.count));
          i += 3;
          break;
        }
        case CHAIN: {
          const heads = this.tables.at(-1);
          // The sink numbers chains in order, table by table: each table's ids are one range.
          if (heads === undefined || tape[i + 2] !== this.tables.length || this.chainBase + (tape[i + 1] as number) !== heads.firstId + heads.count) {
            throw new Error(`ruleset tape: chain ${String(tape[i + 1])} out of order at ${i}`);
          }
          heads.addColumns(tape, i + 3);
          i += chainWidth;
          break;
        }
        case CHUNK:
          this.chunks.write({ body: tape[i + 1] as Uint8Array, runs: tape[i + 2] as number[], snat: tape[i + 3] as number[] }, this.chainId);
          i += 4;
          break;
        default:
          throw new Error(`ruleset tape: unknown entry ${String(op)} at ${i}`);
      }
    }
  }

  /** After the last tape. */
  finish(family: 'ipv4' | 'ipv6', countersShown: boolean): void {
    this.chunks.finish();
    for (const heads of this.tables) {
      heads.markSnat(this.chunks.snatChains);
      insertChainHeads(this.db, heads);
    }
    this.db.prepare('UPDATE rulesets SET family = ?, counters_shown = ? WHERE id = ?').run(family, countersShown ? 1 : 0, this.rulesetId);
  }
}

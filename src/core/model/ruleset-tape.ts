/**
 * A ruleset streamed into the store as "tapes": flat arrays of table rows, rule chunks (rows/rule-chunks.ts)
 * and each table's chain headers, encoded as stored (rows/chain-heads.ts), tagged, in the order a reader met
 * them. A reader thread fills tapes (RulesetTapeSink), compressing the rules as it goes; the thread holding
 * the database writes them (RulesetTapeWriter). Tapes hold a few numbers and strings and otherwise typed
 * arrays, so they cross threads as copies of bytes: a kube-proxy table's ~60,000 chains are one blob, not
 * 60,000 rows of values to clone. Tables and chains are numbered within the ruleset; the writer turns those
 * numbers into row ids.
 */
import type Database from 'better-sqlite3';
import type { Rule, TableName } from '../netfilter/ruleset';
import type { ChainHead, NumberedRulesetSink } from '../netfilter/ruleset-sink';
import { ChainHeadColumns, insertChainHeadsBody, nextChainId } from './rows/chain-heads';
import { CHUNK_RULES, RuleChunkBuilder, RuleChunkWriter } from './rows/rule-chunks';

export type RulesetTape = unknown[];

/** [TABLE, name, line] */
const TABLE = 0;
/** [HEADS, first chain, count, body]: the chain headers of the table last opened, its chains numbered from `first`, at its end */
const HEADS = 1;
/** [CHUNK, body, runs, snat] (EncodedChunk) with chains numbered within the ruleset */
const CHUNK = 2;

/**
 * Chunks a tape takes before it goes: each tape is a message between threads (a post, a wake-up of the writer), and
 * a kube-proxy dump has ~170 chunks. The writer still gets its first rules after ~4,000 of them.
 */
const TAPE_CHUNKS = 4;

/** A ruleset the tape cannot carry in order: a rule inserted (-I) before others, a chain declared twice. */
export class NotInOrder extends Error {}

/**
 * Fills tapes from a reader that numbers its chains (NumberedRulesetSink): each chain's number on the tape (its
 * place in the ruleset) and length are kept by the reader's number for it, in arrays.
 */
export class RulesetTapeSink implements NumberedRulesetSink {
  private tape: RulesetTape = [];
  /**
   * By the reader's chain number: the table (1, 2, ...) that declared it, its number on the tape, its length. Small at
   * first, so that they are first replaced by larger ones while the reader's code still runs in the interpreter: the
   * first replacement makes V8 drop the optimized code that took these fields as constants (the chain path's).
   */
  private declaredIn = new Int32Array(64);
  private ids = new Int32Array(64);
  private lengths = new Int32Array(64);
  private tables = 0;
  private chainCount = 0;
  /** The open table's chain headers, and the tape number of its first chain. */
  private heads: ChainHeadColumns | null = null;
  private firstChain = 1;
  private readonly rules = new RuleChunkBuilder();
  private chunksOnTape = 0;

  constructor(private readonly emit: (tape: RulesetTape) => void) {}

  table(name: TableName, line: number): void {
    this.tables++;
    this.heads = new ChainHeadColumns();
    this.firstChain = this.chainCount + 1;
    this.tape.push(TABLE, name, line);
  }

  chain(head: ChainHead, number: number): void {
    if (number >= this.ids.length) this.grow(number);
    if (this.declaredIn[number] === this.tables) throw new NotInOrder(`chain ${head.name} is declared twice`);
    this.declaredIn[number] = this.tables;
    this.ids[number] = ++this.chainCount;
    this.lengths[number] = 0;
    this.heads!.add(head);
  }

  rule(chain: string, at: number, rule: Rule, number: number): void {
    if (!(number >= 0 && number < this.ids.length && this.declaredIn[number] === this.tables)) throw new NotInOrder(`a rule of chain ${chain}, not declared in its table`);
    if (at !== this.lengths[number]) throw new NotInOrder(`a rule is inserted at ${at + 1} in ${chain}`);
    this.lengths[number]++;
    // The dump reader read this rule from its text: it reads back from it.
    this.rules.add(this.ids[number]!, chain, rule, true);
    if (this.rules.size < CHUNK_RULES) return;
    this.takeChunk();
    if (this.chunksOnTape >= TAPE_CHUNKS) this.flush();
  }

  /** `rule`, for a rule read from the dump's bytes (RuleChunkBuilder.addBytes says which). */
  ruleBytes(chain: string, at: number, number: number, line: number, b: Uint8Array, countersFrom: number, countersTo: number, argsFrom: number, end: number): void {
    if (!(number >= 0 && number < this.ids.length && this.declaredIn[number] === this.tables)) throw new NotInOrder(`a rule of chain ${chain}, not declared in its table`);
    if (at !== this.lengths[number]) throw new NotInOrder(`a rule is inserted at ${at + 1} in ${chain}`);
    this.lengths[number]++;
    this.rules.addBytes(this.ids[number]!, at + 1, line, b, countersFrom, countersTo, argsFrom, end);
    if (this.rules.size < CHUNK_RULES) return;
    this.takeChunk();
    if (this.chunksOnTape >= TAPE_CHUNKS) this.flush();
  }

  private grow(number: number): void {
    let size = this.ids.length;
    while (size <= number) size *= 2;
    const widen = (from: Int32Array): Int32Array<ArrayBuffer> => {
      const to = new Int32Array(size);
      to.set(from);
      return to;
    };
    this.declaredIn = widen(this.declaredIn);
    this.ids = widen(this.ids);
    this.lengths = widen(this.lengths);
  }

  /** A table's rules end in its own chunks, and its chain headers follow them, marked where a chain holds a SNAT rule. */
  commit(): void {
    this.takeChunk();
    const heads = this.heads!;
    this.tape.push(HEADS, this.firstChain, heads.count, heads.encode());
    this.heads = null;
  }

  /** Hands over what is buffered; call once more after the last line. */
  flush(): void {
    this.takeChunk();
    if (this.tape.length === 0) return;
    this.emit(this.tape);
    this.tape = [];
    this.chunksOnTape = 0;
  }

  private takeChunk(): void {
    const chunk = this.rules.take();
    if (chunk === null) return;
    this.tape.push(CHUNK, chunk.body, chunk.runs, chunk.snat);
    this.chunksOnTape++;
    const { snat } = chunk;
    for (let i = 0; i < snat.length; i += 2) this.heads!.markSnatAt(snat[i]! - this.firstChain);
  }
}

/** A table written: its row id, and its chain headers once its HEADS entry came. */
interface WrittenTable {
  tableId: number;
  heads: { firstId: number; count: number; body: Uint8Array } | null;
}

/** Writes tapes of one ruleset; the caller holds the transaction. */
export class RulesetTapeWriter {
  readonly rulesetId: number;
  /** Each table's chain headers, stored when the last tape is written, as before the tapes carried them whole. */
  private readonly tables: WrittenTable[] = [];
  /** Chains numbered so far (the HEADS entries' counts). */
  private chains = 0;
  private readonly chainBase: number;
  private readonly insertTable: Database.Statement;
  private readonly chunks: RuleChunkWriter;
  /** The highest chain number a chunk named: every one must be declared by the end. */
  private maxChain = 0;
  private readonly chainId = (chain: number): number => {
    if (!Number.isInteger(chain) || chain < 1) throw new Error(`ruleset tape: a rule of chain ${chain}`);
    if (chain > this.maxChain) this.maxChain = chain;
    return this.chainBase + chain;
  };

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
    for (let i = 0; i < tape.length; ) {
      const op = tape[i];
      switch (op) {
        case TABLE: {
          const tableId = Number(this.insertTable.run(this.rulesetId, tape[i + 1], tape[i + 2]).lastInsertRowid);
          this.tables.push({ tableId, heads: null });
          i += 3;
          break;
        }
        case HEADS: {
          const table = this.tables.at(-1);
          const first = tape[i + 1] as number;
          const count = tape[i + 2] as number;
          // The sink numbers chains in order, table by table: each table's ids are one range.
          if (table === undefined || table.heads !== null || first !== this.chains + 1 || !Number.isInteger(count) || count < 0) {
            throw new Error(`ruleset tape: chain headers from ${String(first)} out of order at ${i}`);
          }
          table.heads = { firstId: this.chainBase + first, count, body: tape[i + 3] as Uint8Array };
          this.chains += count;
          i += 4;
          break;
        }
        case CHUNK:
          // A table's chunks come before its headers: its chains are numbered past those written so far.
          this.chunks.write({ body: tape[i + 1] as Uint8Array, runs: tape[i + 2] as Float64Array, snat: tape[i + 3] as Float64Array }, this.chainId);
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
    if (this.maxChain > this.chains) throw new Error(`ruleset tape: a rule of chain ${this.maxChain}, which no table declared`);
    for (const { tableId, heads } of this.tables) {
      if (heads === null) throw new Error(`ruleset tape: rule table ${tableId} without its chain headers`);
      insertChainHeadsBody(this.db, tableId, heads.firstId, heads.count, heads.body);
    }
    this.db.prepare('UPDATE rulesets SET family = ?, counters_shown = ? WHERE id = ?').run(family, countersShown ? 1 : 0, this.rulesetId);
  }
}

/**
 * How rules are stored: a table's rules go in chunks of about a thousand, each chunk one deflated blob of
 * records, one line per rule, and `rule_runs` says which records of which chunk are a chain's rules from a
 * position on. A rule is kept as its text alone, without the `-A CHAIN` its chain already says, whenever
 * its text reads back to the same matches and target (iptables-save's rules all do): the rest of the rule
 * is read again from that text (parseRuleText). Any other rule (`iptables -L` output) also carries its
 * matches and target as JSON. A kube-proxy dump so takes less room than its own text, and an import
 * writes a few megabytes where one row of JSON per rule took four times the dump.
 *
 * A record: `LINE \t COUNTERS \t BODY`, COUNTERS `packets:bytes` or empty, BODY one of
 *   `a` + what follows `-A CHAIN` in the text   (the text starts `-A CHAIN ` or is `-A CHAIN`)
 *   `t` + the text                               (another text that reads back the same)
 *   `j` + matches JSON \t target JSON or empty \t the text
 * JSON never holds a raw tab or line break, and a rule's text holds no line break.
 */
import type Database from 'better-sqlite3';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { parseRuleText, RuleMatchesLater } from '../../capture/iptables/iptables-rule-text';
import type { Counters, Match, Rule, Target } from '../../netfilter/ruleset';
import { BatchInsert } from '../batch-insert';
import { ModelError } from '../model-error';
import { matchesJson, targetJson } from '../rule-json';

/** Rules per chunk: small enough that a trace entering one chain inflates little, large enough to compress well. */
export const CHUNK_RULES = 1024;
/** deflate level 1: at 1 a kube-proxy dump's rules shrink ~10×, at 6 hardly more for twice the time. */
const LEVEL = 1;

export const RUN_COLUMNS = ['chain_id', 'position', 'chunk_id', 'first', 'count'] as const;

/**
 * A chunk ready to store: its body, its runs, flat (chain, position, first record, count), and its rules
 * whose target is SNAT, flat (chain, position), chains as the caller numbers them.
 */
export interface EncodedChunk {
  body: Uint8Array;
  runs: Float64Array;
  snat: Float64Array;
}

/** True when `rule` reads back from its text as it is (checked by reading it again). */
export function readsBackFromText(rule: Pick<Rule, 'text' | 'matches' | 'target'>): boolean {
  try {
    const again = parseRuleText(rule.text);
    if (matchesJson(again.matches) !== matchesJson(rule.matches)) return false;
    return (again.target === null ? null : targetJson(again.target)) === (rule.target === null ? null : targetJson(rule.target));
  } catch {
    return false;
  }
}

/**
 * Gathers rules into chunks; `fromText` says the caller knows each rule was read from its text by the dump
 * reader. Records are written as UTF-8 straight into one buffer, reused from chunk to chunk: no string is
 * made per record, nor one per chunk to encode.
 */
export class RuleChunkBuilder {
  private bytes = Buffer.allocUnsafe(1 << 18);
  private length = 0;
  private count = 0;
  private runs: number[] = [];
  private snat: number[] = [];
  private runChain = -1;
  private runEnd = -1;

  get size(): number {
    return this.count;
  }

  add(chain: number, chainName: string, rule: Rule, fromText: boolean): void {
    const { counters, text } = rule;
    if (this.count > 0) this.byte(10);
    this.decimal(rule.line);
    this.byte(9);
    if (counters !== null) this.ascii(`${counters.packets}:${counters.bytes}`);
    this.byte(9);
    const argsFrom = rule instanceof RuleMatchesLater ? rule.argsFrom : -1;
    if (argsFrom >= 0 && fromText) {
      // The lexer saw `-A CHAIN` and the end or a space: the record its text would be, without looking again.
      this.byte(97);
      this.text(text.slice(argsFrom));
    } else if (fromText || readsBackFromText(rule)) {
      // `-A CHAIN` followed by the end or a blank: the rest is the record (`a`); any other text whole (`t`).
      const after = 3 + chainName.length;
      if (text.startsWith('-A ') && text.startsWith(chainName, 3) && (text.length === after || text.charCodeAt(after) === 32)) {
        this.byte(97);
        this.text(text.length === after ? '' : text.slice(after));
      } else {
        this.byte(116);
        this.text(text);
      }
    } else {
      this.byte(106);
      this.text(matchesJson(rule.matches));
      this.byte(9);
      if (rule.target !== null) this.text(targetJson(rule.target));
      this.byte(9);
      this.text(text);
    }
    const { runs } = this;
    if (chain === this.runChain && rule.position === this.runEnd) {
      runs[runs.length - 1]!++;
    } else {
      runs.push(chain, rule.position, this.count, 1);
      this.runChain = chain;
    }
    this.runEnd = rule.position + 1;
    this.count++;
    // A lazily read rule (another project's) has the word SNAT in its text when its target is SNAT: the others stay
    // unparsed. The word, not the letters: kube-proxy's chain hashes hold them (KUBE-SEP-...SNATH), and each new kind
    // of target looked at here threw away this function's optimized code.
    if (hasWord(text, 'SNAT') && rule.target !== null && rule.target.kind === 'snat') this.snat.push(chain, rule.position);
  }

  /**
   * The `a` record of a rule read from the dump's bytes (ASCII) as RuleBytes vouched for it: its counters are
   * b[countersFrom, countersTo) as they print back (`PACKETS:BYTES`; from -1: none), the text after `-A CHAIN` is
   * b[argsFrom, end), and its target is a jump or DNAT (never SNAT). The same bytes `add` writes for it.
   */
  addBytes(chain: number, position: number, line: number, b: Uint8Array, countersFrom: number, countersTo: number, argsFrom: number, end: number): void {
    if (this.count > 0) this.byte(10);
    this.decimal(line);
    this.room(end - argsFrom + countersTo - countersFrom + 3);
    const { bytes } = this;
    let at = this.length;
    bytes[at++] = 9;
    for (let i = countersFrom; i < countersTo; i++) bytes[at++] = b[i]!;
    bytes[at++] = 9;
    bytes[at++] = 97;
    // A plain view, not b.subarray(): a Buffer's subarray makes a Buffer, several times the cost of the view.
    bytes.set(new Uint8Array(b.buffer, b.byteOffset + argsFrom, end - argsFrom), at);
    this.length = at + end - argsFrom;
    const { runs } = this;
    if (chain === this.runChain && position === this.runEnd) {
      runs[runs.length - 1]!++;
    } else {
      runs.push(chain, position, this.count, 1);
      this.runChain = chain;
    }
    this.runEnd = position + 1;
    this.count++;
  }

  /** The chunk so far, or null when it holds no rule; the builder starts a new one. */
  take(): EncodedChunk | null {
    if (this.count === 0) return null;
    const body = deflateRawSync(this.bytes.subarray(0, this.length), { level: LEVEL });
    // Typed arrays cross threads as one copy of their bytes.
    const chunk = { body, runs: Float64Array.from(this.runs), snat: Float64Array.from(this.snat) };
    this.length = 0;
    this.count = 0;
    this.runs = [];
    this.snat = [];
    this.runChain = -1;
    return chunk;
  }

  private room(bytes: number): void {
    if (this.length + bytes <= this.bytes.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.bytes.length * 2, this.length + bytes));
    this.bytes.copy(grown, 0, 0, this.length);
    this.bytes = grown;
  }

  private byte(b: number): void {
    this.room(1);
    this.bytes[this.length++] = b;
  }

  /** A line number (a non-negative integer) in decimal, without a string for it. */
  private decimal(n: number): void {
    if (!Number.isSafeInteger(n) || n < 0) return this.ascii(String(n));
    let digits = 1;
    for (let v = n; v >= 10; v = Math.floor(v / 10)) digits++;
    this.room(digits);
    let at = this.length + digits;
    this.length = at;
    for (let v = n; ; v = Math.floor(v / 10)) {
      this.bytes[--at] = 48 + (v % 10);
      if (v < 10) break;
    }
  }

  private ascii(s: string): void {
    this.room(s.length);
    this.length += this.bytes.write(s, this.length, 'latin1');
  }

  /** UTF-8 takes at most 3 bytes for each UTF-16 unit. */
  private text(s: string): void {
    this.room(3 * s.length);
    this.length += this.bytes.write(s, this.length, 'utf8');
  }
}

/**
 * Writes chunks of one ruleset and gathers the chains holding a SNAT rule (`snatChains`, row ids) for their
 * headers (chain-heads.ts). The caller holds the transaction.
 */
export class RuleChunkWriter {
  private readonly insertChunk: Database.Statement;
  private readonly runRows: BatchInsert;
  private readonly row: number[] = [0, 0, 0, 0, 0];
  readonly snatChains = new Set<number>();
  rules = 0;

  constructor(db: Database.Database, private readonly rulesetId: number) {
    this.insertChunk = db.prepare('INSERT INTO rule_chunks (ruleset_id, body) VALUES (?, ?)');
    this.runRows = new BatchInsert(db, 'rule_runs', RUN_COLUMNS, 256);
  }

  /** `chainId` turns the chunk's chain numbers into row ids. */
  write(chunk: EncodedChunk, chainId: (chain: number) => number): void {
    const chunkId = Number(this.insertChunk.run(this.rulesetId, chunk.body).lastInsertRowid);
    const { runs } = chunk;
    const { row } = this;
    for (let i = 0; i < runs.length; i += 4) {
      row[0] = chainId(runs[i]!);
      row[1] = runs[i + 1]!;
      row[2] = chunkId;
      row[3] = runs[i + 2]!;
      row[4] = runs[i + 3]!;
      this.runRows.add(row);
      this.rules += runs[i + 3]!;
    }
    const { snat } = chunk;
    for (let i = 0; i < snat.length; i += 2) this.snatChains.add(chainId(snat[i]!));
  }

  finish(): void {
    this.runRows.flush();
  }
}

/** A chunk's records, inflated. */
type Records = string[];

/** A stored chunk's bytes, inflated; a body that does not inflate is a damaged project (`database`). */
/** Whether `word` stands in `text` between blanks (space, tab) or the text's ends. */
export function hasWord(text: string, word: string): boolean {
  for (let at = text.indexOf(word); at >= 0; at = text.indexOf(word, at + 1)) {
    const before = at === 0 ? 32 : text.charCodeAt(at - 1);
    const end = at + word.length;
    const after = end === text.length ? 32 : text.charCodeAt(end);
    if ((before === 32 || before === 9) && (after === 32 || after === 9)) return true;
  }
  return false;
}

function inflateBytes(database: string, chunkId: number, body: Buffer): Buffer {
  try {
    return inflateRawSync(body);
  } catch (e) {
    throw new ModelError(database, `rule chunk ${chunkId} does not inflate (${e instanceof Error ? e.message : String(e)})`);
  }
}

/** A stored chunk's records; a body that does not inflate is a damaged project (`database`). */
export function inflateChunk(database: string, chunkId: number, body: Buffer): Records {
  return inflateBytes(database, chunkId, body).toString('utf8').split('\n');
}

/**
 * The text of the rule a record holds (see decodeRuleRecord), read without its counters, matches or target; a
 * record that does not read is a damaged project (`database`).
 */
export function recordText(database: string, record: string, chainName: string): string {
  const tab1 = record.indexOf('\t');
  const tab2 = tab1 < 0 ? -1 : record.indexOf('\t', tab1 + 1);
  const kind = tab2 < 0 ? -1 : record.charCodeAt(tab2 + 1);
  if (kind === 97 /* a */) return `-A ${chainName}${record.slice(tab2 + 2)}`;
  if (kind === 116 /* t */) return record.slice(tab2 + 2);
  if (kind === 106 /* j */) {
    const t1 = record.indexOf('\t', tab2 + 2);
    const t2 = t1 < 0 ? -1 : record.indexOf('\t', t1 + 1);
    if (t2 > 0) return record.slice(t2 + 1);
  }
  throw new ModelError(database, `the stored rule of line ${tab1 < 0 ? '?' : record.slice(0, tab1)} is damaged (not a rule record)`);
}

/**
 * One record of a chunk as the rule at `position` of chain `chainName`; a record that does not read is a damaged project
 * (`database`). A rule kept as its text has its matches and target read from it when first asked for, or now with
 * `parseNow` (a walk compiles the rule as soon as it reads it: no accessors to install and replace).
 */
export function decodeRuleRecord(database: string, record: string, chainName: string, position: number, parseNow = false): Rule {
  const tab1 = record.indexOf('\t');
  const tab2 = record.indexOf('\t', tab1 + 1);
  const line = Number(record.slice(0, tab1));
  try {
    if (tab1 < 0 || tab2 < 0 || !Number.isInteger(line)) throw new Error('not a rule record');
    const counters = countersOf(record.slice(tab1 + 1, tab2));
    const kind = record.charCodeAt(tab2 + 1);
    const rest = record.slice(tab2 + 2);
    if (kind === 106 /* j */) {
      const t1 = rest.indexOf('\t');
      const t2 = rest.indexOf('\t', t1 + 1);
      if (t1 < 0 || t2 < 0) throw new Error('a rule record without its JSON');
      const target = rest.slice(t1 + 1, t2);
      return {
        position, text: rest.slice(t2 + 1), line, counters,
        matches: JSON.parse(rest.slice(0, t1)) as Match[], target: target === '' ? null : (JSON.parse(target) as Target),
      };
    }
    let text: string;
    if (kind === 97 /* a */) text = `-A ${chainName}${rest}`;
    else if (kind === 116 /* t */) text = rest;
    else throw new Error('not a rule record');
    if (!parseNow) return lazyRule(position, text, line, counters, database);
    const { matches, target } = parseRuleText(text);
    return { position, text, line, counters, matches, target };
  } catch (e) {
    throw new ModelError(database, `the stored rule of line ${tab1 < 0 ? '?' : record.slice(0, tab1)} is damaged (${e instanceof Error ? e.message : String(e)})`);
  }
}

/** An inflated chunk and, once asked for, where each of its records starts, with one more past the end (its length + 1). */
interface ScannedChunk {
  bytes: Buffer;
  starts: Uint32Array | null;
}

/** The record holding byte `at`: the last k with starts[k] <= at. */
function recordAt(starts: Uint32Array, at: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    if (starts[mid]! <= at) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** Chunks kept inflated while one table is read: a chain's runs are in one chunk or in neighbouring ones. */
const KEPT_CHUNKS = 4;

type RunRow = [chainId: number, position: number, chunkId: number, first: number, count: number];

/** The chains of one stored table: ids firstId .. firstId + count - 1, `names[k]` the name of the k-th. */
export interface TableChains {
  tableId: number;
  firstId: number;
  count: number;
  names: readonly string[];
}

/**
 * The stored rules of one table, a chain at a time (`rulesOf`) or all at once (`all`). Holds statements of
 * the open database: it must not outlive the Store it came from.
 */
export class StoredTableRules {
  private readonly kept = new Map<number, Records>();
  /** Chunks scanned (scan) and the table's runs, kept until forget: a pass over a node scans for each word its checks look for. */
  private readonly scanned = new Map<number, ScannedChunk>();
  private tableRuns: RunRow[] | null = null;
  private readonly runsOfChain: Database.Statement;
  private readonly runsOfTable: Database.Statement;
  private readonly chunk: Database.Statement;

  constructor(
    db: Database.Database,
    private readonly database: string,
    private readonly chains: TableChains,
  ) {
    this.runsOfChain = db.prepare('SELECT chain_id, position, chunk_id, first, count FROM rule_runs WHERE chain_id = ? ORDER BY position').raw(true);
    this.runsOfTable = db
      .prepare('SELECT chain_id, position, chunk_id, first, count FROM rule_runs WHERE chain_id BETWEEN ? AND ? ORDER BY chunk_id, first')
      .raw(true);
    this.chunk = db.prepare('SELECT body FROM rule_chunks WHERE id = ?').pluck(true);
  }

  rulesOf(chainId: number, chainName: string): Rule[] {
    const rules: Rule[] = [];
    for (const run of this.runsOfChain.all(chainId) as RunRow[]) this.decodeRun(run, chainName, rules);
    return rules;
  }

  /** One chain's rules to be read one at a time: its runs now, a rule (and its chunk) when first asked for. */
  chainRules(chainId: number, chainName: string): StoredChainRules {
    return new StoredChainRules(this, chainName, this.runsOfChain.all(chainId) as RunRow[]);
  }

  /** Record `k` of `run` as the rule at its position. */
  ruleOfRun(run: RunRow, k: number, chainName: string): Rule {
    const [, position, chunkId, first, count] = run;
    const records = this.records(chunkId);
    if (first + count > records.length) this.damaged(`rule chunk ${chunkId} holds ${records.length} rules, not ${first + count}`);
    return decodeRuleRecord(this.database, records[first + k]!, chainName, position + k, true);
  }

  /** What follows `-A CHAIN` in the text of record `k` of `run` when the record keeps the rule so (`a`), else null. */
  argsOfRun(run: RunRow, k: number): string | null {
    const [, , chunkId, first, count] = run;
    const records = this.records(chunkId);
    if (first + count > records.length) this.damaged(`rule chunk ${chunkId} holds ${records.length} rules, not ${first + count}`);
    const record = records[first + k]!;
    const tab1 = record.indexOf('\t');
    const tab2 = tab1 < 0 ? -1 : record.indexOf('\t', tab1 + 1);
    return tab2 >= 0 && record.charCodeAt(tab2 + 1) === 97 /* a */ ? record.slice(tab2 + 2) : null;
  }

  /** Every chain's rules, by chain id. */
  all(): Map<number, Rule[]> {
    const byChain = new Map<number, Rule[]>();
    const { firstId, count } = this.chains;
    const runs = this.runsOfTable.all(firstId, firstId + count - 1) as RunRow[];
    // Chunk order reads each chunk once; a chain whose runs span chunks gets them back in position order.
    for (const run of runs) {
      const chainId = run[0];
      let list = byChain.get(chainId);
      if (list === undefined) byChain.set(chainId, (list = []));
      this.decodeRun(run, this.chains.names[chainId - firstId]!, list);
    }
    for (const list of byChain.values()) {
      for (let i = 1; i < list.length; i++) {
        if (list[i - 1]!.position > list[i]!.position) {
          list.sort((a, b) => a.position - b.position);
          break;
        }
      }
    }
    return byChain;
  }

  /**
   * Visits, chunk by chunk, the stored records of the chains in `chains` (chain id → name) whose bytes hold `needle`
   * (ASCII, no line break), and every record of the chains in `whole`: with the chain's id, the rule's position and
   * the record (decodeRuleRecord, recordText read it). The other records are not made into strings, so a pass looking
   * for a few rules of a large table leaves next to nothing behind; nothing is kept for later reads. In chunk order,
   * not chain order; stops when `visit` returns true.
   */
  scan(
    needle: string, chains: ReadonlyMap<number, unknown>, whole: ReadonlySet<number>,
    visit: (chainId: number, position: number, record: string) => boolean | void,
  ): void {
    const { firstId, count } = this.chains;
    this.tableRuns ??= this.runsOfTable.all(firstId, firstId + count - 1) as RunRow[];
    const runs = this.tableRuns.filter((run) => chains.has(run[0]));
    const pattern = Buffer.from(needle, 'latin1');
    for (let i = 0; i < runs.length; ) {
      const chunkId = runs[i]![2];
      let end = i;
      while (end < runs.length && runs[end]![2] === chunkId) end++;
      const chunk = this.scannedChunk(chunkId);
      const { bytes } = chunk;
      // `hit`: the next place the needle occurs, searched again only past a record found, so the records it is not
      // in cost nothing; where the records start is found only in chunks where one is visited.
      let hit = bytes.indexOf(pattern, 0);
      for (; i < end; i++) {
        const [chainId, position, , first, n] = runs[i]!;
        const all = whole.has(chainId);
        if (!all && hit < 0) continue;
        const starts = this.recordStarts(chunk);
        if (first + n >= starts.length) this.damaged(`rule chunk ${chunkId} holds ${starts.length - 1} rules, not ${first + n}`);
        if (all) {
          for (let k = first; k < first + n; k++) if (visit(chainId, position + k - first, bytes.toString('utf8', starts[k]!, starts[k + 1]! - 1)) === true) return;
          continue;
        }
        if (hit < starts[first]!) hit = bytes.indexOf(pattern, starts[first]!);
        while (hit >= 0 && hit < starts[first + n]!) {
          const k = recordAt(starts, hit);
          if (visit(chainId, position + k - first, bytes.toString('utf8', starts[k]!, starts[k + 1]! - 1)) === true) return;
          hit = bytes.indexOf(pattern, starts[k + 1]!);
        }
      }
    }
  }

  /** Drops the chunks kept for the next read. */
  forget(): void {
    this.kept.clear();
    this.scanned.clear();
    this.tableRuns = null;
  }

  private scannedChunk(chunkId: number): ScannedChunk {
    const kept = this.scanned.get(chunkId);
    if (kept !== undefined) return kept;
    const body = this.chunk.get(chunkId) as Buffer | undefined;
    if (body === undefined) return this.damaged(`rule chunk ${chunkId} is missing`);
    const chunk: ScannedChunk = { bytes: inflateBytes(this.database, chunkId, body), starts: null };
    this.scanned.set(chunkId, chunk);
    return chunk;
  }

  /** Where each record of the chunk starts, found when first needed: record k is bytes starts[k] .. starts[k + 1] - 2. */
  private recordStarts(chunk: ScannedChunk): Uint32Array {
    if (chunk.starts !== null) return chunk.starts;
    const { bytes } = chunk;
    const at: number[] = [0];
    for (let newline = bytes.indexOf(10, 0); newline >= 0; newline = bytes.indexOf(10, newline + 1)) at.push(newline + 1);
    at.push(bytes.length + 1);
    return (chunk.starts = Uint32Array.from(at));
  }

  private records(chunkId: number): Records {
    const kept = this.kept.get(chunkId);
    if (kept !== undefined) return kept;
    const body = this.chunk.get(chunkId) as Buffer | undefined;
    if (body === undefined) return this.damaged(`rule chunk ${chunkId} is missing`);
    const records = inflateChunk(this.database, chunkId, body);
    if (this.kept.size >= KEPT_CHUNKS) this.kept.delete(this.kept.keys().next().value!);
    this.kept.set(chunkId, records);
    return records;
  }

  private decodeRun([, position, chunkId, first, count]: RunRow, chainName: string, out: Rule[]): void {
    const records = this.records(chunkId);
    if (first + count > records.length) this.damaged(`rule chunk ${chunkId} holds ${records.length} rules, not ${first + count}`);
    for (let k = 0; k < count; k++) out.push(decodeRuleRecord(this.database, records[first + k]!, chainName, position + k));
  }

  private damaged(what: string): never {
    throw new ModelError(this.database, what);
  }
}

/**
 * One chain's stored rules read one at a time, in `chain.rules` order (its runs by position): a walk that stops
 * early in a long chain inflates the chunk it stops in and decodes the rules it passed, not the whole chain. The
 * walk compiles each rule it reads, so a rule's matches and target are read from its text at once.
 */
export class StoredChainRules {
  readonly count: number;
  /** ends[r]: the index after run r's last rule. */
  private readonly ends: number[];
  private readonly read: Array<Rule | undefined>;
  /** The run the last rule asked for came from: a walk asks for rules in order. */
  private last = 0;

  constructor(
    private readonly table: StoredTableRules,
    private readonly chainName: string,
    private readonly runs: readonly RunRow[],
  ) {
    let end = 0;
    this.ends = runs.map((run) => (end += run[4]));
    this.count = end;
    this.read = new Array<Rule | undefined>(end);
  }

  at(i: number): Rule {
    const hit = this.read[i];
    if (hit !== undefined) return hit;
    const r = this.runOf(i);
    const run = this.runs[r]!;
    return (this.read[i] = this.table.ruleOfRun(run, i - (this.ends[r]! - run[4]), this.chainName));
  }

  /**
   * What follows `-A CHAIN` in rule i's stored text, without decoding the rule (a dispatch index reads 10,000 of them);
   * null for a rule read already (its matches are at hand), one not kept as such text, or a chain whose name the rule
   * tokenizer would not read back as one word.
   */
  argsAt(i: number): string | null {
    if (this.read[i] !== undefined || !this.plainName) return null;
    const r = this.runOf(i);
    const run = this.runs[r]!;
    return this.table.argsOfRun(run, i - (this.ends[r]! - run[4]));
  }

  private get plainName(): boolean {
    return (this.#plainName ??= this.chainName !== '' && !/[\s"]/.test(this.chainName));
  }

  #plainName: boolean | undefined = undefined;

  /** The run holding rule i. */
  private runOf(i: number): number {
    if (!Number.isInteger(i) || i < 0 || i >= this.count) throw new RangeError(`${this.chainName} has no rule ${i + 1}`);
    const { ends } = this;
    let r = this.last;
    if (i >= ends[r]! || (r > 0 && i < ends[r - 1]!)) {
      r = 0;
      while (i >= ends[r]!) r++;
      this.last = r;
    }
    return r;
  }

  /** Puts the rules read so far in their places in `rules` (the whole chain, read at once): one object per rule whichever way it was read. */
  adoptInto(rules: Rule[]): void {
    this.read.forEach((rule, i) => {
      if (i < rules.length) rules[i] = rule!;
    });
  }
}

/** Where a rule whose matches and target are not read yet came from: named if its text no longer reads. */
const UNREAD = new WeakMap<object, string>();

/** Reads the rule's matches and target from its text and makes them plain fields. */
function readMatches(rule: Rule): void {
  const database = UNREAD.get(rule) ?? 'the project';
  UNREAD.delete(rule);
  let parsed: ReturnType<typeof parseRuleText>;
  try {
    parsed = parseRuleText(rule.text);
  } catch (e) {
    throw new ModelError(database, `the stored rule of line ${rule.line} is damaged (${e instanceof Error ? e.message : String(e)})`);
  }
  Object.defineProperty(rule, 'matches', { value: parsed.matches, writable: true, enumerable: true, configurable: true });
  Object.defineProperty(rule, 'target', { value: parsed.target, writable: true, enumerable: true, configurable: true });
}

/**
 * matches and target read from the text when first asked for, one accessor pair for every rule: a reader
 * going through every chain (a trace looking for SNAT targets) reads the text of most rules and parses few.
 */
const lazyField = (field: 'matches' | 'target'): PropertyDescriptor => ({
  enumerable: true,
  configurable: true,
  get(this: Rule): unknown {
    readMatches(this);
    return this[field];
  },
  set(this: Rule, value: never): void {
    readMatches(this);
    this[field] = value;
  },
});
const LAZY_MATCHES = lazyField('matches');
const LAZY_TARGET = lazyField('target');

function lazyRule(position: number, text: string, line: number, counters: Counters | null, database: string): Rule {
  const rule = { position, text, line, counters } as Rule;
  Object.defineProperty(rule, 'matches', LAZY_MATCHES);
  Object.defineProperty(rule, 'target', LAZY_TARGET);
  UNREAD.set(rule, database);
  return rule;
}

function countersOf(text: string): Counters | null {
  if (text === '') return null;
  const colon = text.indexOf(':');
  const packets = Number(text.slice(0, colon));
  const bytes = Number(text.slice(colon + 1));
  if (colon < 0 || !Number.isFinite(packets) || !Number.isFinite(bytes)) throw new Error(`bad counters "${text}"`);
  return { packets, bytes };
}

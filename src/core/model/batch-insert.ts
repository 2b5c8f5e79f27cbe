import type Database from 'better-sqlite3';

/**
 * The highest id in `table`, 0 when it is empty: rows batched with their ids given take the next ones, which
 * stay theirs while the caller holds the transaction.
 */
export function maxId(db: Database.Database, table: 'services'): number {
  return (db.prepare(`SELECT max(id) AS id FROM ${table}`).get() as { id: number | null }).id ?? 0;
}

/**
 * Buffers rows and writes them with one multi-row INSERT per `batchRows` rows: far fewer
 * statement executions than row-at-a-time inserts, and memory bounded by one batch.
 */
export class BatchInsert {
  private readonly full: Database.Statement;
  private readonly columns: number;
  private readonly batchRows: number;
  private readonly head: string;
  private values: unknown[] = [];
  private rows = 0;
  written = 0;

  constructor(
    private readonly db: Database.Database,
    table: string,
    columns: readonly string[],
    batchRows = 128,
  ) {
    this.columns = columns.length;
    this.batchRows = batchRows;
    this.head = `INSERT INTO ${table} (${columns.join(', ')}) VALUES `;
    this.full = db.prepare(this.statementText(batchRows));
  }

  /** Adds one row: the column count of values from `row[from]` on. */
  add(row: readonly unknown[], from = 0): void {
    for (let i = from; i < from + this.columns; i++) this.values.push(row[i]);
    if (++this.rows === this.batchRows) {
      this.full.run(this.values);
      this.values = [];
      this.rows = 0;
    }
    this.written++;
  }

  /** Writes the buffered remainder; call before the transaction commits. */
  flush(): void {
    if (this.rows === 0) return;
    this.db.prepare(this.statementText(this.rows)).run(this.values);
    this.values = [];
    this.rows = 0;
  }

  private statementText(rows: number): string {
    const one = `(${new Array<string>(this.columns).fill('?').join(',')})`;
    return this.head + new Array<string>(rows).fill(one).join(',');
  }
}

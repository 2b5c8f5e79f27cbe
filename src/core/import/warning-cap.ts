/**
 * One file's warnings in bounded memory: the first WARNINGS_KEPT_PER_FILE are listed, the rest are counted
 * and said in one closing warning, so a file that warns on every line neither floods the report nor
 * holds every message until the import ends.
 */
import type { ImportProblem } from './import-report';

export const WARNINGS_KEPT_PER_FILE = 100;

export class FileWarnings {
  private readonly kept: ImportProblem[] = [];
  private more = 0;

  constructor(private readonly file: string, private readonly limit = WARNINGS_KEPT_PER_FILE) {}

  add(warning: ImportProblem): void {
    if (this.kept.length < this.limit) this.kept.push(warning);
    else this.more++;
  }

  addAll(warnings: Iterable<ImportProblem>): void {
    for (const w of warnings) this.add(w);
  }

  /** How many warnings were counted but not kept. */
  get omitted(): number {
    return this.more;
  }

  /** The kept warnings, then one that counts the rest when there are any. */
  list(): ImportProblem[] {
    if (this.more === 0) return [...this.kept];
    const n = this.more.toLocaleString('en-US');
    return [...this.kept, { source: this.file, message: `and ${n} more warning${this.more === 1 ? '' : 's'} like these about this file (only the first ${this.limit} are listed)` }];
  }
}

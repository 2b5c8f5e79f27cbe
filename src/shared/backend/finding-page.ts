/** The findings list a page at a time, as the `findings` operation answers it, computed once per state of the captures. */
import type { FindingJson, FindingPageJson } from '../contract/finding-json';

/** The page of `all` from `offset`, at most `limit` long, with the total and the count of each severity. */
export function findingPage(all: readonly FindingJson[], offset: number, limit: number): FindingPageJson {
  const end = Math.min(all.length, offset + limit);
  const severities: FindingPageJson['severities'] = { error: 0, warning: 0, info: 0 };
  for (const f of all) severities[f.severity]++;
  return { findings: all.slice(offset, end), page: { offset, limit, total: all.length, nextOffset: end < all.length ? end : null }, severities };
}

/**
 * The project's findings, kept while its captures stay the same (they are computed from nothing else: the
 * flows are stitched from them), so paging through them computes them once. Any import, edit or interface
 * choice moves the generation, and the next page computes them again.
 */
export class FindingsMemo {
  private last: { generation: string; findings: FindingJson[] } | null = null;

  constructor(
    private readonly generation: () => string,
    private readonly compute: () => FindingJson[],
  ) {}

  current(): FindingJson[] {
    if (this.last === null || this.last.generation !== this.generation()) {
      const findings = this.compute();
      // Read after computing: the stitching the computation starts is part of this state. A failure keeps nothing.
      this.last = { generation: this.generation(), findings };
    }
    return this.last.findings;
  }
}

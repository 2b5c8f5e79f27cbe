/**
 * Prints, at the end of the e2e run, one line per group of specs skipped for want of something this
 * checkout lacks: a corpus in ../shared, or the Electron binary (their `test.skip(..., skipLine(...))`
 * annotation; see test/support/shared-corpus.ts and electron.spec.ts).
 */
import type { Reporter, TestCase } from '@playwright/test/reporter';

export default class SharedSkipReporter implements Reporter {
  private readonly lines = new Set<string>();

  onTestEnd(test: TestCase): void {
    for (const a of test.annotations) {
      if (a.type === 'skip' && a.description?.startsWith('skipped: ') === true) this.lines.add(a.description);
    }
  }

  onEnd(): void {
    if (this.lines.size === 0) return;
    process.stdout.write(`\n${this.lines.size} spec group(s) skipped for want of what they need beside the repository:\n${[...this.lines].sort().map((l) => `  ${l}`).join('\n')}\n`);
  }

  printsToStdio(): boolean {
    return true;
  }
}

/**
 * Prints, once at the end of a run, one line per suite skipped for want of a corpus in ../shared:
 * "skipped: <suite> (../shared/... not found)". Such suites hold a single skipped test named
 * `needs <folder>` (describe-shared.ts), so the line is read off the test tree, not off console output.
 */
import type { Reporter, TestModule } from 'vitest/node';
import { placeholderFolder, skipLine } from './shared-corpus';

export default class SharedSkipReporter implements Reporter {
  onTestRunEnd(modules: readonly TestModule[]): void {
    const lines: string[] = [];
    for (const module of modules) {
      for (const test of module.children.allTests('skipped')) {
        const folder = placeholderFolder(test.name);
        if (folder === null) continue;
        const suite = test.parent.type === 'suite' ? test.parent.fullName : module.moduleId;
        lines.push(`${skipLine(suite, folder)}  [${module.relativeModuleId}]`);
      }
    }
    if (lines.length === 0) return;
    const out = [`\n${lines.length} suite(s) skipped for want of the corpora beside the repository:`, ...lines.sort().map((l) => `  ${l}`)];
    process.stdout.write(`${out.join('\n')}\n`);
  }
}

/** Turns a worker's answer into the text a failing fuzz test prints: every failure with its seed and reproducer. */
import { formatFailure, fuzzCase, type CaseShape } from './fuzz-case';
import { loadCorpus, type FuzzTarget } from './seed-corpus';
import { REPO_ROOT, type WorkerAnswer } from './worker-harness';

export interface CaseRun {
  target: FuzzTarget;
  shape: CaseShape;
  runSeed: number;
  largeSize: number;
}

/** '' when the run found nothing; otherwise one paragraph per failure. */
export function failuresOf(run: CaseRun, answer: WorkerAnswer): string {
  switch (answer.kind) {
    case 'cases':
      return answer.report.failures.map((f) => formatFailure(run.target, f)).join('\n\n');
    case 'hung': {
      // The hung case is regenerated here from its seed: its input is known without running it.
      const c = fuzzCase(loadCorpus(REPO_ROOT), run.target, run.shape, run.runSeed, answer.index, run.largeSize);
      const text = c.subject.input.text;
      return [
        `${run.target}: a parse call did not return within ${answer.stallMs} ms (hang or super-linear time)`,
        `  case ${c.index} (seed ${c.seed}) from ${c.origin}, mutations: ${c.ops.join('; ')}`,
        `  input (${text.length} chars, firstLine ${c.subject.input.firstLine}): ${JSON.stringify(text.slice(0, 600))}${text.length > 600 ? '…' : ''}`,
      ].join('\n');
    }
    case 'crashed':
      return `${run.target}: the fuzz worker crashed: ${answer.message}`;
    case 'outcomes':
      return `${run.target}: unexpected answer (outcomes) to a case run`;
  }
}

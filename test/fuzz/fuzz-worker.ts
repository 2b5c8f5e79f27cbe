/**
 * Worker side of the fuzz harness (bundled by worker-harness.ts): runs the parse calls off the test's thread
 * and tells the watcher, through shared memory, which call is running, so a hang is caught and named.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { runCases } from './fuzz-case';
import { outcomeOf } from './parse-outcome';
import { loadCorpus } from './seed-corpus';
import type { Seed } from './seed-corpus';
import type { Subject, WorkerAnswer, WorkerData } from './worker-harness';

const data = workerData as WorkerData;
const progress = new Int32Array(data.progress);

function onCall(index: number): void {
  Atomics.store(progress, 1, index);
  Atomics.add(progress, 0, 1);
}

function grown(subject: Subject): Seed {
  const { grow, target: _target, ...seed } = subject;
  if (grow === undefined) return seed;
  const { text } = seed.input;
  const run = grow.unit.repeat(Math.ceil(grow.size / grow.unit.length)).slice(0, grow.size);
  return { ...seed, input: { ...seed.input, text: text.slice(0, grow.at) + run + text.slice(grow.at) } };
}

function answer(): WorkerAnswer {
  const { task } = data;
  switch (task.kind) {
    case 'cases': {
      const corpus = loadCorpus(data.repoRoot);
      return { kind: 'cases', report: runCases(corpus, task.target, task.shape, task.runSeed, task.cases, task.largeSize, onCall) };
    }
    case 'inputs':
      return {
        kind: 'outcomes',
        outcomes: task.subjects.map((subject, i) => {
          onCall(i);
          return outcomeOf(subject.target, grown(subject));
        }),
      };
    case 'spin': {
      // The harness's own check: a call that never returns must be reported as a hang of call 0.
      onCall(0);
      for (;;) Atomics.load(progress, 0);
    }
  }
}

parentPort?.postMessage(answer());

/**
 * Starting a dump reader thread, apart from dump-reader-thread.ts so that a thread that only starts one (the
 * command line's, before its import worker has loaded) evaluates none of the reader or the importer. The
 * command line starts the reader of a large dump named on it at once and hands it, job posted, to its import
 * worker (adoptDumpReader): the reader then reads while the import worker loads and opens the project, instead
 * of starting only once the import worker has done so (~0.1 s later).
 */
import fs from 'node:fs';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { dumpReaderScript } from './dump-reader-location';

export interface DumpWorkerData {
  /** The worker bundle, loaded by BOOTSTRAP. */
  script: string;
  /** Takes one DumpJob, then carries the reader's messages. */
  port: MessagePort;
  /** Int32 slots, see DUMP_SIGNAL. */
  signal: Int32Array;
  /** Slots for the pieces read and for the tapes' raw chunk records (SlotRing), freed by the taker (DUMP_SIGNAL). */
  pieces: SharedArrayBuffer;
  tapes: SharedArrayBuffer;
}

export interface DumpJob {
  readPath: string;
  shownAs: string;
}

export const DUMP_SIGNAL = { posted: 0, taken: 1, exited: 2, piecesFreed: 3, tapesFreed: 4 } as const;

/**
 * The reader's slots (SlotRing): a piece of the file each (the reader reads 1 MiB at a time), and the raw chunk
 * records of one tape each (~4 chunks of ~120 KB for kube-proxy's rules). A tape waits for its taker after the
 * TAPES_AHEAD-th not yet taken (dump-reader-worker.ts), so its slots rarely do.
 */
export const SLOT_BYTES = 1 << 20;
const PIECE_SLOTS = 4;
const TAPE_SLOTS = 10;

/**
 * Marks the worker's end in `signal` before loading the bundle, so that a worker that dies for any reason,
 * even loading, is seen by a writing thread that blocks and so never sees the Worker's events.
 */
const BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
process.on('exit', () => {
  Atomics.store(workerData.signal, ${DUMP_SIGNAL.exited}, 1);
  Atomics.notify(workerData.signal, ${DUMP_SIGNAL.posted});
});
require(workerData.script);
`;

/**
 * The reader thread's young generation (V8's default is ~48 MB): what it allocates for a rule is garbage once
 * the rule is on a tape, and small semi-spaces keep its many scavenges in cache. ~3% faster on a 170k-rule
 * dump (four sets of ten paired runs; 8 MB did as well), and ~20 MB less memory.
 */
const READER_YOUNG_MB = 12;
/** Below this a thread costs more to start than it saves. */
export const WORKER_MIN_BYTES = 2 * 1024 * 1024;

/**
 * A reader thread started, waiting for its job or (`job`) already given one. `worker` is null in a thread it was
 * handed to: the thread that started it holds the Worker, and closing `port` ends the reader.
 */
export interface ReaderThread {
  script: string;
  worker: Worker | null;
  port: MessagePort;
  signal: Int32Array;
  job: DumpJob | null;
}

/** A reader thread as it crosses to another thread: `port` goes in the transfer list. */
export interface DumpReaderHandoff {
  script: string;
  port: MessagePort;
  signal: Int32Array;
  job: DumpJob | null;
}

export function startReaderThread(script: string): ReaderThread {
  const signal = new Int32Array(new SharedArrayBuffer(5 * Int32Array.BYTES_PER_ELEMENT));
  const { port1, port2 } = new MessageChannel();
  const data: DumpWorkerData = {
    script, signal, port: port2, pieces: new SharedArrayBuffer(PIECE_SLOTS * SLOT_BYTES), tapes: new SharedArrayBuffer(TAPE_SLOTS * SLOT_BYTES),
  };
  const worker = new Worker(BOOTSTRAP, {
    eval: true, workerData: data, transferList: [port2], resourceLimits: { maxYoungGenerationSizeMb: READER_YOUNG_MB },
  });
  // Its failures are read from `signal` (the answer is then `not-plain` and the file is read as text).
  worker.on('error', () => undefined);
  worker.unref();
  return { script, worker, port: port1, signal, job: null };
}

/** Gives a started thread its one job: the reader starts at once and posts its tapes, a few ahead of their taker. */
export function postDumpJob(thread: ReaderThread, job: DumpJob): void {
  thread.job = job;
  thread.port.postMessage(job);
}

/**
 * The command line's head start: for the first of `paths` that is a file of WORKER_MIN_BYTES or more beginning as
 * iptables-save begins its output, a reader thread started and already reading it (job: the path as given, which
 * is how the import names and reads a file named on the command line). Null when none is, or no reader bundle is
 * known. Only a hint: the importer reads that file the usual way if it turns out not to be a plain dump.
 */
export function startDumpReaderEarly(paths: readonly string[], script: string | null = dumpReaderScript()): DumpReaderHandoff | null {
  if (script === null) return null;
  const file = paths.find((p) => startsAsLargeDump(p));
  if (file === undefined) return null;
  const thread = startReaderThread(script);
  postDumpJob(thread, { readPath: file, shownAs: file });
  return { script, port: thread.port, signal: thread.signal, job: thread.job };
}

/** `# Generated by iptables-save` (or ip6tables-save, iptables-legacy-save ...) or a table's `*name`, first. */
const DUMP_START = /^(?:# Generated by ip6?tables(?:-legacy|-nft)?-save |\*[a-z]+\r?\n)/;

function startsAsLargeDump(file: string): boolean {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return false;
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile() || st.size < WORKER_MIN_BYTES) return false;
    const head = Buffer.alloc(64);
    const n = fs.readSync(fd, head, 0, head.length, 0);
    return DUMP_START.test(head.toString('latin1', 0, n));
  } catch {
    return false;
  } finally {
    fs.closeSync(fd);
  }
}

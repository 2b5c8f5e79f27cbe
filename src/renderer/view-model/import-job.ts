/** The visible state of one import (Zui's loads: a job the user watches), as a pure reducer. */
import type { ImportProgress } from '../../shared/contract/api';
import type { ImportJson } from '../../shared/contract/contract-json';

/** Records stored so far by a running import, summed over its files, and when it started: what the rate is of. */
export interface RecordCount {
  /** When the first records were counted (the upload before it is not part of the rate), and how many they were. */
  startedAt: number;
  baseline: number;
  at: number;
  /** Records of the files finished before `file`. */
  before: number;
  file: string | null;
  /** Records of `file` so far. */
  current: number;
}

export type ImportJob =
  | { kind: 'idle' }
  | { kind: 'running'; files: string[]; progress: ImportProgress | null; records?: RecordCount }
  | { kind: 'done'; files: string[]; result: ImportJson }
  /** `message`: what the importer says was kept (nothing of the file it was reading; earlier files whole). */
  | { kind: 'cancelled'; message?: string }
  | { kind: 'failed'; files: string[]; message: string };

/** `at`: the time of the event (ms, Date.now()), for the records/s rate. */
export type ImportEvent =
  | { kind: 'start'; files: string[] }
  | { kind: 'progress'; progress: ImportProgress; at?: number }
  | { kind: 'finish'; result: ImportJson }
  | { kind: 'cancel'; message?: string }
  | { kind: 'fail'; message: string }
  | { kind: 'dismiss' };

export const IDLE: ImportJob = { kind: 'idle' };

export function nextImportJob(job: ImportJob, event: ImportEvent): ImportJob {
  switch (event.kind) {
    case 'start':
      return { kind: 'running', files: event.files, progress: null };
    case 'progress': {
      if (job.kind !== 'running') return job;
      const records = countRecords(job, event.progress, event.at);
      return { ...job, progress: event.progress, ...(records === undefined ? {} : { records }) };
    }
    case 'finish':
      return { kind: 'done', files: job.kind === 'running' ? job.files : [], result: event.result };
    case 'cancel':
      return job.kind === 'running' ? { kind: 'cancelled', ...(event.message === undefined ? {} : { message: event.message }) } : job;
    case 'fail':
      return { kind: 'failed', files: job.kind === 'running' ? job.files : [], message: event.message };
    case 'dismiss':
      return job.kind === 'running' ? job : IDLE;
    default: {
      const never: never = event;
      return never;
    }
  }
}

/** Adds an import progress event's records to the count: a new file starts its own count, the last file's is kept. */
function countRecords(job: Extract<ImportJob, { kind: 'running' }>, p: ImportProgress, at: number | undefined): RecordCount | undefined {
  if (p.phase !== 'import' || p.records === undefined || at === undefined) return job.records;
  const count = job.records ?? { startedAt: at, baseline: p.records, at, before: 0, file: p.current, current: 0 };
  const before = count.file === p.current ? count.before : count.before + count.current;
  return { startedAt: count.startedAt, baseline: count.baseline, at, before, file: p.current, current: p.records };
}

/** Records stored so far and their rate per second since the first were counted (null until time has passed). */
export function recordRate(count: RecordCount): { records: number; perSecond: number | null } {
  const records = count.before + count.current;
  const seconds = (count.at - count.startedAt) / 1000;
  return { records, perSecond: seconds > 0 ? Math.round((records - count.baseline) / seconds) : null };
}

function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

export interface ProgressBar {
  /** 0..1, or null when the amount of work is not known yet (indeterminate bar). */
  fraction: number | null;
  label: string;
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 * 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 / 1024 / 1024).toFixed(2)} GiB`;
}

/** Upload counts as the first half of the bar in web mode, import as the rest (or all of it on the desktop). */
export function progressBar(job: ImportJob, shell: 'desktop' | 'web'): ProgressBar | null {
  if (job.kind !== 'running') return null;
  const p = job.progress;
  const what = job.files.length === 1 ? job.files[0] ?? '' : `${job.files.length} files`;
  if (p === null) return { fraction: null, label: `Starting import of ${what}…` };
  const part = p.total > 0 ? Math.min(1, Math.max(0, p.done / p.total)) : null;
  const current = p.current === null ? '' : ` — ${p.current}`;
  switch (p.phase) {
    case 'upload':
      return { fraction: part === null ? null : part / 2, label: `Uploading ${formatBytes(p.done)} of ${formatBytes(p.total)}${current}` };
    case 'waiting':
      return { fraction: shell === 'web' ? 0.5 : null, label: 'Waiting for another import into this project to finish…' };
    case 'import': {
      const offset = shell === 'web' ? 0.5 : 0;
      const scale = shell === 'web' ? 0.5 : 1;
      const rate = job.records === undefined ? null : recordRate(job.records);
      const counted = rate === null ? '' : ` · ${formatCount(rate.records)} records${rate.perSecond === null ? '' : ` · ${formatCount(rate.perSecond)} records/s`}`;
      return { fraction: part === null ? null : offset + part * scale, label: `Importing${p.total > 0 ? ` ${formatBytes(p.done)} of ${formatBytes(p.total)}` : ''}${current}${counted}` };
    }
    case 'stitch':
      return { fraction: null, label: `Stitching flows: ${p.done.toLocaleString('en-US')} packets` };
    default: {
      const never: never = p.phase;
      return never;
    }
  }
}

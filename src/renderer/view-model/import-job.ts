/** The visible state of one import (Zui's loads: a job the user watches), as a pure reducer. */
import type { ImportProgress } from '../../shared/contract/api';
import type { ImportJson } from '../../shared/contract/contract-json';

export type ImportJob =
  | { kind: 'idle' }
  | { kind: 'running'; files: string[]; progress: ImportProgress | null }
  | { kind: 'done'; files: string[]; result: ImportJson }
  | { kind: 'cancelled' }
  | { kind: 'failed'; files: string[]; message: string };

export type ImportEvent =
  | { kind: 'start'; files: string[] }
  | { kind: 'progress'; progress: ImportProgress }
  | { kind: 'finish'; result: ImportJson }
  | { kind: 'cancel' }
  | { kind: 'fail'; message: string }
  | { kind: 'dismiss' };

export const IDLE: ImportJob = { kind: 'idle' };

export function nextImportJob(job: ImportJob, event: ImportEvent): ImportJob {
  switch (event.kind) {
    case 'start':
      return { kind: 'running', files: event.files, progress: null };
    case 'progress':
      return job.kind === 'running' ? { ...job, progress: event.progress } : job;
    case 'finish':
      return { kind: 'done', files: job.kind === 'running' ? job.files : [], result: event.result };
    case 'cancel':
      return job.kind === 'running' ? { kind: 'cancelled' } : job;
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
      return { fraction: part === null ? null : offset + part * scale, label: `Importing${p.total > 0 ? ` ${p.done} of ${p.total}` : ''}${current}` };
    }
    case 'stitch':
      return { fraction: null, label: `Stitching flows: ${p.done.toLocaleString('en-US')} packets` };
    default: {
      const never: never = p.phase;
      return never;
    }
  }
}

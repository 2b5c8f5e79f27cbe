import { describe, expect, it } from 'vitest';
import { JobRegistry } from './jobs';
import { runOperation, sharedHandlers, type OperationContext } from './handlers';
import { importJson } from '../contract/contract-json.fixture';

describe('JobRegistry', () => {
  it('cancels a running job by its id, and not one that has finished', () => {
    const jobs = new JobRegistry();
    const job = jobs.start('job-1');
    expect(jobs.cancel('job-1')).toBe(true);
    expect(job.signal.aborted).toBe(true);
    job.finish();
    expect(jobs.cancel('job-1')).toBe(false);
  });

  it('refuses a second job under an id that is running', () => {
    const jobs = new JobRegistry();
    jobs.start('job-1');
    expect(() => jobs.start('job-1')).toThrow(/already running/);
  });

  it('cancels every running job when disposed', () => {
    const jobs = new JobRegistry();
    const a = jobs.start('a');
    const b = jobs.start(null);
    jobs.dispose();
    expect(a.signal.aborted).toBe(true);
    // A job without an id is not reachable by name, nor by dispose: its face ends it with the request.
    expect(b.signal.aborted).toBe(false);
  });
});

describe('runOperation', () => {
  const contextFor = (jobs: JobRegistry) => (_job: string | null, signal: AbortSignal): OperationContext => ({
    project: null, shell: 'desktop', jobs, progress: () => {}, signal,
  });

  it('validates the request before the handler runs', async () => {
    const jobs = new JobRegistry();
    await expect(runOperation(sharedHandlers, 'cancelJob', { job: '' }, jobs, contextFor(jobs))).rejects.toThrow(/job: must be at least 1/);
  });

  it('answers reads of a shell with no project open as an empty project would, and refuses a trace', async () => {
    const jobs = new JobRegistry();
    expect(await runOperation(sharedHandlers, 'listNodes', {}, jobs, contextFor(jobs))).toEqual([]);
    await expect(runOperation(sharedHandlers, 'trace', { node: 'n', proto: 'tcp', dst: '10.0.0.1', local: true, follow: false }, jobs, contextFor(jobs)))
      .rejects.toMatchObject({ code: 'rejected' });
  });

  it('runs a job registered under its id while it runs, so cancelJob reaches its signal', async () => {
    const jobs = new JobRegistry();
    let seen: AbortSignal | null = null;
    const table = {
      importPaths: async (ctx: OperationContext) => {
        seen = ctx.signal;
        expect(await runOperation(sharedHandlers, 'cancelJob', { job: 'job-7' }, jobs, contextFor(jobs))).toEqual({ cancelled: true });
        return importJson();
      },
    };
    await runOperation(table, 'importPaths', { paths: ['a'], job: 'job-7' }, jobs, contextFor(jobs));
    expect(seen!.aborted).toBe(true);
    expect(jobs.cancel('job-7')).toBe(false);
  });
});

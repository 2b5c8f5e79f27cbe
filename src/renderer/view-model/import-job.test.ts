import { describe, expect, it } from 'vitest';
import { IDLE, nextImportJob, progressBar, recordRate, type ImportJob } from './import-job';
import { importJson } from '../../shared/contract/contract-json.fixture';

const result = importJson();

describe('import job', () => {
  it('runs from start through progress to done', () => {
    let job: ImportJob = nextImportJob(IDLE, { kind: 'start', files: ['a.txt'] });
    job = nextImportJob(job, { kind: 'progress', progress: { phase: 'import', done: 5, total: 10, current: 'a.txt' } });
    expect(job).toMatchObject({ kind: 'running', progress: { done: 5 } });
    job = nextImportJob(job, { kind: 'finish', result });
    expect(job).toEqual({ kind: 'done', files: ['a.txt'], result });
  });

  it('ignores progress that arrives after the job ended', () => {
    const done: ImportJob = { kind: 'done', files: [], result };
    expect(nextImportJob(done, { kind: 'progress', progress: { phase: 'import', done: 1, total: 1, current: null } })).toBe(done);
  });

  it('cannot dismiss a running job', () => {
    const running = nextImportJob(IDLE, { kind: 'start', files: [] });
    expect(nextImportJob(running, { kind: 'dismiss' })).toBe(running);
    expect(nextImportJob(nextImportJob(running, { kind: 'fail', message: 'x' }), { kind: 'dismiss' })).toEqual(IDLE);
  });
});

describe('progress bar', () => {
  const running = (phase: 'upload' | 'waiting' | 'import' | 'stitch', done: number, total: number): ImportJob => ({ kind: 'running', files: ['a.pcap'], progress: { phase, done, total, current: 'a.pcap' } });

  it('fills the first half with the upload and the second with the import in web mode', () => {
    expect(progressBar(running('upload', 512, 1024), 'web')).toEqual({ fraction: 0.25, label: 'Uploading 512 B of 1.0 KiB — a.pcap' });
    expect(progressBar(running('import', 1, 4), 'web')?.fraction).toBe(0.625);
  });

  it('gives the whole bar to the import on the desktop', () => {
    expect(progressBar(running('import', 1, 4), 'desktop')?.fraction).toBe(0.25);
  });

  it('is indeterminate before the first event or when the total is unknown', () => {
    expect(progressBar({ kind: 'running', files: ['a', 'b'], progress: null }, 'web')).toEqual({ fraction: null, label: 'Starting import of 2 files…' });
    expect(progressBar(running('import', 3, 0), 'web')?.fraction).toBeNull();
  });

  it('says the import waits for another one writing the project, the upload done', () => {
    expect(progressBar(running('waiting', 0, 0), 'web')).toEqual({ fraction: 0.5, label: 'Waiting for another import into this project to finish…' });
    expect(progressBar(running('waiting', 0, 0), 'desktop')?.fraction).toBeNull();
  });

  it('says the flows are being stitched once the files are stored, counting packets', () => {
    expect(progressBar(running('stitch', 250_000, 0), 'web')).toEqual({ fraction: null, label: 'Stitching flows: 250,000 packets' });
  });

  it('shows nothing when no job runs', () => {
    expect(progressBar(IDLE, 'web')).toBeNull();
  });
});

describe('records per second', () => {
  const importing = (current: string, records: number, done = 0) => ({ phase: 'import' as const, done, total: 1000, current, records });

  it('sums records over the files of the import and divides by the time since the first were counted, not the upload', () => {
    let job = nextImportJob(IDLE, { kind: 'start', files: ['a.pcap', 'b.txt'] });
    job = nextImportJob(job, { kind: 'progress', progress: { phase: 'upload', done: 5, total: 10, current: 'a.pcap' }, at: 5_000 });
    job = nextImportJob(job, { kind: 'progress', progress: importing('a.pcap', 10_000), at: 10_000 });
    job = nextImportJob(job, { kind: 'progress', progress: importing('a.pcap', 90_000), at: 12_000 });
    // The next file starts its own count: a.pcap's 90,000 are kept.
    job = nextImportJob(job, { kind: 'progress', progress: importing('b.txt', 20_000), at: 14_000 });
    if (job.kind !== 'running' || job.records === undefined) throw new Error('expected a running job with a count');
    expect(recordRate(job.records)).toEqual({ records: 110_000, perSecond: 25_000 });
    expect(progressBar(job, 'desktop')?.label).toBe('Importing 0 B of 1000 B — b.txt · 110,000 records · 25,000 records/s');
  });

  it('shows no rate before time has passed, and none for progress without records (an upload)', () => {
    let job = nextImportJob(IDLE, { kind: 'start', files: ['a.pcap'] });
    job = nextImportJob(job, { kind: 'progress', progress: { phase: 'upload', done: 1, total: 2, current: 'a.pcap' }, at: 6_000 });
    expect(job).not.toHaveProperty('records');
    job = nextImportJob(job, { kind: 'progress', progress: importing('a.pcap', 7), at: 7_000 });
    expect(progressBar(job, 'web')?.label).toBe('Importing 0 B of 1000 B — a.pcap · 7 records');
  });
});

describe('cancelling', () => {
  it('keeps what the importer said was kept, and is dismissed like a result', () => {
    const running = nextImportJob(IDLE, { kind: 'start', files: ['a.pcap'] });
    const cancelled = nextImportJob(running, { kind: 'cancel', message: 'the import of a.pcap was cancelled: nothing of that file was stored' });
    expect(cancelled).toEqual({ kind: 'cancelled', message: 'the import of a.pcap was cancelled: nothing of that file was stored' });
    expect(nextImportJob(cancelled, { kind: 'dismiss' })).toEqual(IDLE);
  });
});

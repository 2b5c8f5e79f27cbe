import { describe, expect, it } from 'vitest';
import { CancelledError } from '../../core/common/cancellation';
import { STITCHING_THE_FLOWS } from '../../core/import/import-paths';
import { CHECKING_CONFLICTS } from '../../core/import/import-pipeline';
import { ApiError } from '../contract/api-error';
import { CancelledAfterStoring, importError } from './import-errors';

describe('importError', () => {
  it('tells a cancellation after the captures were stored (while stitching) from one that stored nothing', () => {
    const stitching = importError(new CancelledError(STITCHING_THE_FLOWS, 'the captures were imported'));
    expect(stitching).toBeInstanceOf(CancelledAfterStoring);
    expect(stitching).toMatchObject({ code: 'cancelled', message: 'stitching the flows was cancelled; the captures were imported' });
    const reading = importError(new CancelledError('the import of big.pcap', 'nothing of that file was stored'));
    expect(reading).not.toBeInstanceOf(CancelledAfterStoring);
    expect(reading).toMatchObject({ code: 'cancelled' });
  });
  it('counts a cancellation while the stored captures were compared as one after storing', () => {
    expect(importError(new CancelledError(CHECKING_CONFLICTS, 'every file of this call was imported whole'))).toBeInstanceOf(CancelledAfterStoring);
  });
  it('passes an ApiError on and makes anything else internal', () => {
    const refused = new ApiError('rejected', 'x.txt:3: bad');
    expect(importError(refused)).toBe(refused);
    expect(importError(new Error('disk full'))).toMatchObject({ code: 'internal', message: 'disk full' });
  });
});

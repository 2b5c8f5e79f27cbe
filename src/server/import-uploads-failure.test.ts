import { describe, expect, it } from 'vitest';
import { ApiError } from '../shared/contract/api-error';
import { CancelledAfterStoring } from '../shared/backend/import-errors';
import { importUploadsFailure } from './http-api';

describe('a failed import of uploads', () => {
  it('keeps the uploads of an import that stored nothing, and says to import them again', () => {
    const failure = importUploadsFailure(new ApiError('cancelled', 'the import of slow.txt was cancelled'));
    expect(failure.uploads).toBe('kept');
    expect(failure.error).toMatchObject({ code: 'cancelled', message: 'the import of slow.txt was cancelled (the uploaded files are kept: import them again)' });
  });

  it('uses up the uploads of one cancelled while stitching (its captures are stored), and does not ask to import them again', () => {
    const message = 'stitching the flows was cancelled; the captures were imported and the flows stored before stay; they are stitched again when next read';
    const failure = importUploadsFailure(new CancelledAfterStoring(message));
    expect(failure.uploads).toBe('used');
    expect(failure.error).toMatchObject({ code: 'cancelled', message });
  });
});

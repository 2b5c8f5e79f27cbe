/** How an import's failure reaches the faces: an ApiError, saying whether its captures were stored before it stopped. */
import { isCancelled } from '../../core/common/cancellation';
import { STITCHING_THE_FLOWS } from '../../core/import/import-paths';
import { CHECKING_CONFLICTS } from '../../core/import/import-pipeline';
import { ApiError } from '../contract/api-error';

/**
 * An import cancelled while it compared the captures it stored or stitched the flows: every file was read and its
 * captures are stored; only the conflict warnings are not given, and the flows wait for their next read. Whoever staged the files (natlens serve's uploads) treats them as used.
 */
export class CancelledAfterStoring extends ApiError {
  constructor(message: string) {
    super('cancelled', message);
    this.name = 'CancelledAfterStoring';
  }
}

export function importError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  if (isCancelled(e)) return e.what === STITCHING_THE_FLOWS || e.what === CHECKING_CONFLICTS ? new CancelledAfterStoring(e.message) : new ApiError('cancelled', e.message);
  return new ApiError('internal', e instanceof Error ? e.message : String(e));
}

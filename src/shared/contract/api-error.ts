/** How an operation fails, the same over IPC and HTTP: a code the UI can branch on and a sentence for people. */
export type ApiErrorCode =
  | 'invalid-request' // the request failed validation
  | 'unauthorized' // web mode: missing or wrong token
  | 'forbidden' // web mode: foreign Host or Origin
  | 'not-found' // no such operation or upload
  | 'unsupported' // the operation needs the desktop shell
  | 'rejected' // the input was read and refused (bad capture, unknown node)
  | 'too-large' // web mode: an upload past the size limit, or too many uploads waiting
  | 'cancelled' // the job was cancelled (cancelJob); nothing of the file it was reading is stored
  | 'internal';

export interface ApiErrorJson {
  code: ApiErrorCode;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toJSON(): ApiErrorJson {
    return { code: this.code, message: this.message };
  }
}

const CODES: readonly ApiErrorCode[] = ['invalid-request', 'unauthorized', 'forbidden', 'not-found', 'unsupported', 'rejected', 'too-large', 'cancelled', 'internal'];

/** Reads an error envelope received from the other side; anything unexpected becomes an internal error. */
export function apiErrorFromJson(value: unknown, fallback: string): ApiError {
  if (typeof value === 'object' && value !== null) {
    const v = value as Record<string, unknown>;
    const inner = typeof v.error === 'object' && v.error !== null ? (v.error as Record<string, unknown>) : v;
    const code = CODES.find((c) => c === inner.code) ?? 'internal';
    if (typeof inner.message === 'string') return new ApiError(code, inner.message);
  }
  return new ApiError('internal', fallback);
}

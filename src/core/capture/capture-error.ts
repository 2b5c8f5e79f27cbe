/** Where something came from: a text line, or a byte offset / record number in a binary capture. */
export interface SourcePlace {
  file: string;
  line?: number;
  column?: number;
  offset?: number;
  record?: number;
}

export function formatPlace(place: SourcePlace): string {
  if (place.line !== undefined) return `${place.file}:${place.line}${place.column !== undefined ? `:${place.column}` : ''}`;
  if (place.record !== undefined) return `${place.file}: record ${place.record}${place.offset !== undefined ? ` (offset ${place.offset})` : ''}`;
  if (place.offset !== undefined) return `${place.file}: offset ${place.offset}`;
  return place.file;
}

export { clipText } from '../common/clip-text';

/** The one error type of the capture layer: a parser that cannot read its input throws this, never anything else. */
export class CaptureError extends Error {
  constructor(
    readonly place: SourcePlace,
    readonly reason: string,
  ) {
    super(`${formatPlace(place)}: ${reason}`);
    this.name = 'CaptureError';
  }
}

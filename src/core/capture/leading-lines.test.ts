import { describe, it, expect } from 'vitest';
import { leadingLines } from './leading-lines';

describe('leadingLines', () => {
  it('returns the first non-empty lines across LF, CRLF and CR', () => {
    expect(leadingLines('\r\n\na\r\nb\rc\n\nd\n', 3)).toEqual(['a', 'b', 'c']);
  });

  it('reads no further than maxChars', () => {
    const huge = 'x'.repeat(10_000_000);
    expect(leadingLines(huge, 3, 100)).toEqual(['x'.repeat(100)]);
  });
});

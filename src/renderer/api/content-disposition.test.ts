import { describe, expect, it } from 'vitest';
import { dispositionFileName } from './content-disposition';

describe('dispositionFileName', () => {
  it('reads the quoted name natlens serve sends, and a bare token', () => {
    expect(dispositionFileName('attachment; filename="natlens-report-2026-12-07.html"')).toBe('natlens-report-2026-12-07.html');
    expect(dispositionFileName('attachment; filename=r.md')).toBe('r.md');
    expect(dispositionFileName('attachment; filename="a \\"b\\".md"')).toBe('a "b".md');
  });

  it('prefers the RFC 8187 UTF-8 name to the ASCII fallback', () => {
    expect(dispositionFileName(`attachment; filename="_'s (1).md"; filename*=UTF-8''%C3%BC%27s%20%281%29.md`)).toBe("ü's (1).md");
    expect(dispositionFileName(`attachment; filename="fallback.md"; filename*=UTF-8''%E0%A4%A.md`)).toBe('fallback.md');
  });

  it('keeps only the last path segment; nothing usable is null', () => {
    expect(dispositionFileName('attachment; filename="../../etc/passwd"')).toBe('passwd');
    expect(dispositionFileName('attachment; filename=".."')).toBeNull();
    expect(dispositionFileName('attachment')).toBeNull();
    expect(dispositionFileName(null)).toBeNull();
  });
});

import { describe, expect, it } from 'vitest';
import { isOwnPage } from './app-origin';

describe('isOwnPage', () => {
  it('accepts only our natlens://app/ page in a build', () => {
    expect(isOwnPage('natlens://app/index.html', undefined)).toBe(true);
    expect(isOwnPage('natlens://app.evil/index.html', undefined)).toBe(false);
    expect(isOwnPage('file:///tmp/index.html', undefined)).toBe(false);
    expect(isOwnPage('http://localhost:5173/', undefined)).toBe(false);
    expect(isOwnPage('', undefined)).toBe(false);
  });

  it('accepts the dev server origin only in dev', () => {
    expect(isOwnPage('http://localhost:5173/index.html', 'http://localhost:5173')).toBe(true);
    expect(isOwnPage('http://localhost:5174/', 'http://localhost:5173')).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { counted, countedOf } from './counted';

describe('counted', () => {
  it('says one thing in the singular and any other number in the plural', () => {
    expect(counted(1, 'node')).toBe('1 node');
    expect(counted(0, 'node')).toBe('0 nodes');
    expect(counted(2, 'capture')).toBe('2 captures');
    expect(counted(1204, 'capture')).toBe('1,204 captures');
    expect(counted(2, 'address', 'addresses')).toBe('2 addresses');
  });
  it('counts a filtered list against the whole, the noun following the whole', () => {
    expect(countedOf(1, 30, 'capture')).toBe('1 of 30 captures');
    expect(countedOf(0, 1, 'node')).toBe('0 of 1 node');
  });
});

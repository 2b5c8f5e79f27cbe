import { createHash } from 'node:crypto';
import { describe, it, expect } from 'vitest';
import { sha256Text, sha256TextAndPrefix } from './content-hash';

describe('sha256TextAndPrefix', () => {
  it('gives the hashes of the text and of its prefix, as hashing each alone does', () => {
    const text = '*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -m comment --comment "ünïcode ✓" -j ACCEPT\nCOMMIT\n';
    for (const cut of [1, 8, text.length - 1, text.length]) {
      expect(sha256TextAndPrefix(text, cut)).toEqual({ whole: sha256Text(text), prefix: sha256Text(text.slice(0, cut)) });
    }
  });

  it('gives the same hashes from the ASCII bytes of a text as from the text', () => {
    const text = '*nat\n:KUBE-SERVICES - [0:0]\nCOMMIT\n';
    expect(sha256TextAndPrefix(text, text.length - 1, Buffer.from(text, 'latin1'))).toEqual(sha256TextAndPrefix(text, text.length - 1));
  });

  it('hashes a prefix that ends inside a surrogate pair as its own text', () => {
    const text = 'a😀b';
    expect(sha256TextAndPrefix(text, 2)).toEqual({ whole: sha256Text(text), prefix: sha256Text(text.slice(0, 2)) });
  });
});

describe('sha256Text in pieces', () => {
  it('hashes a long text a piece at a time, pausing between, to the hash of it whole, a surrogate pair at a piece end kept whole', () => {
    const piece = 8 << 20;
    // An emoji (two UTF-16 units) straddles the first piece's end; ✓ and ü are 3- and 2-byte UTF-8.
    const text = `${'x'.repeat(piece - 1)}😀${'ü✓'.repeat(1000)}${'y'.repeat(piece)}`;
    let pauses = 0;
    const hash = sha256Text(text, () => pauses++);
    expect(hash).toBe(createHash('sha256').update(Buffer.from(text, 'utf8')).digest('hex'));
    expect(pauses).toBe(2);
  });
});

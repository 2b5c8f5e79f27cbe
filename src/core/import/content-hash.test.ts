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

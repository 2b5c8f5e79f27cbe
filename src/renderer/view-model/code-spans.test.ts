import { describe, expect, it } from 'vitest';
import { codeSpans } from './code-spans';

describe('codeSpans', () => {
  it('sets each backticked command as code and keeps the text around it', () => {
    expect(codeSpans('Fix: masquerade it (`iptables -t nat -A POSTROUTING -j MASQUERADE`), then delete the entry (`conntrack -D -s 10.0.0.2`).')).toEqual([
      { code: false, text: 'Fix: masquerade it (' },
      { code: true, text: 'iptables -t nat -A POSTROUTING -j MASQUERADE' },
      { code: false, text: '), then delete the entry (' },
      { code: true, text: 'conntrack -D -s 10.0.0.2' },
      { code: false, text: ').' },
    ]);
  });
  it('leaves text without backticks, or with one unpaired, as it is', () => {
    expect(codeSpans('no endpoints')).toEqual([{ code: false, text: 'no endpoints' }]);
    expect(codeSpans('a ` alone')).toEqual([{ code: false, text: 'a ` alone' }]);
  });
});

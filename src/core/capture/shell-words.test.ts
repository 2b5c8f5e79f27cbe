import { describe, expect, it } from 'vitest';
import { continuesOnNextLine, programName, splitCommandLine } from './shell-words';

describe('splitCommandLine', () => {
  it('splits commands, pipeline stages and words, keeping quotes and $( ) together', () => {
    expect(splitCommandLine(`cd /tmp && sudo iptables -L -n | grep 'a b' ; echo "$(ip a | head)" # note`)).toEqual([
      [['cd', '/tmp']],
      [['sudo', 'iptables', '-L', '-n'], ['grep', 'a b']],
      [['echo', '$(ip a | head)']],
    ]);
  });

  it('keeps a # inside a word', () => {
    expect(splitCommandLine('echo a#b')).toEqual([[['echo', 'a#b']]]);
  });
});

describe('continuesOnNextLine', () => {
  it('sees trailing backslashes (with trailing blanks), open quotes, pipes and &&', () => {
    expect(continuesOnNextLine('sudo toolbox tcpdump -ni any \\ ')).toBe(true);
    expect(continuesOnNextLine("ssh nodeb 'sudo")).toBe(true);
    expect(continuesOnNextLine('iptables-save |')).toBe(true);
    expect(continuesOnNextLine('make &&')).toBe(true);
    expect(continuesOnNextLine('ip route # a comment \\')).toBe(false);
    expect(continuesOnNextLine("echo 'done'")).toBe(false);
  });
});

describe('programName', () => {
  it('drops the path', () => {
    expect(programName('./kubectl')).toBe('kubectl');
    expect(programName('$HOME/k8s/_output/bin/kube-proxy')).toBe('kube-proxy');
  });
});

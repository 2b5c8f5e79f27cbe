import { describe, expect, it } from 'vitest';
import { codeBlocksOf, isFenceLine, isPreOpenLine, type SourceLine } from './fenced-blocks';

function sourceLines(text: string): SourceLine[] {
  return text.split('\n').map((t, i) => ({ line: i + 1, text: t }));
}

describe('codeBlocksOf', () => {
  it('returns fenced blocks with their language and source lines, skipping prose', () => {
    const { blocks, warnings } = codeBlocksOf(sourceLines('Intro\n\n```console\n$ ip r\ndefault via 1.1.1.1 dev eth0\n```\nMore prose\n~~~\nx\n~~~'), 'doc.md');
    expect(warnings).toEqual([]);
    expect(blocks).toEqual([
      { lang: 'console', lines: [{ line: 4, text: '$ ip r' }, { line: 5, text: 'default via 1.1.1.1 dev eth0' }] },
      { lang: null, lines: [{ line: 9, text: 'x' }] },
    ]);
  });

  it('strips the indentation of a fence inside a list item', () => {
    const { blocks } = codeBlocksOf(sourceLines('1. Run:\n\n    ```\n    ip route\n      nested\n    ```'), 'doc.md');
    expect(blocks[0]!.lines).toEqual([{ line: 4, text: 'ip route' }, { line: 5, text: '  nested' }]);
  });

  it('reads a 4-space indented code block but not an indented list paragraph', () => {
    const md = 'Text:\n\n    iptables-save\n    *filter\n\n1.  Item\n\n    continuation of the item\n';
    const { blocks } = codeBlocksOf(sourceLines(md), 'doc.md');
    expect(blocks).toEqual([{ lang: null, lines: [{ line: 3, text: 'iptables-save' }, { line: 4, text: '*filter' }] }]);
  });

  it('reads a code block indented deeper inside a list item when it starts with a prompt or a command', () => {
    const md = '1.  Look at the routes:\n\n        $ ip route\n        default via 10.0.0.1 dev eth0\n\n    A paragraph of the item.\n';
    const { blocks } = codeBlocksOf(sourceLines(md), 'doc.md');
    expect(blocks).toEqual([{ lang: null, lines: [{ line: 3, text: '$ ip route' }, { line: 4, text: 'default via 10.0.0.1 dev eth0' }] }]);
  });

  it('does not close a fence on a shorter fence or one of the other kind', () => {
    const { blocks } = codeBlocksOf(sourceLines('````\n```\n~~~\n````'), 'doc.md');
    expect(blocks[0]!.lines.map((l) => l.text)).toEqual(['```', '~~~']);
  });

  it('warns about a fence never closed and reads to the end', () => {
    const { blocks, warnings } = codeBlocksOf(sourceLines('```\nip a\n1: lo:'), 'doc.md');
    expect(blocks[0]!.lines).toHaveLength(2);
    expect(warnings).toEqual([{ file: 'doc.md', line: 1, message: expect.stringContaining('never closed') }]);
  });

  it('reads <pre> blocks: the tag alone or before the first line, </pre> alone or after the last, entities decoded', () => {
    const { blocks, warnings } = codeBlocksOf(sourceLines('<details>\n<pre>\n$ ip a\n1: lo: &lt;LOOPBACK&gt;\n</pre>\n</details>\n<pre lang="sh"><code>$ ip r\ndefault dev eth0</code></pre>\n<pre>x'), 'doc.md');
    expect(blocks).toEqual([
      { lang: null, lines: [{ line: 3, text: '$ ip a' }, { line: 4, text: '1: lo: <LOOPBACK>' }] },
      { lang: null, lines: [{ line: 7, text: '$ ip r' }, { line: 8, text: 'default dev eth0' }] },
      { lang: null, lines: [{ line: 9, text: 'x' }] },
    ]);
    expect(warnings).toEqual([{ file: 'doc.md', line: 9, message: expect.stringContaining('never closed') }]);
    expect(isPreOpenLine('  <pre>')).toBe(true);
    expect(isPreOpenLine('<p>text</p>')).toBe(false);
  });

  it('reads the body of a <details> section pasted without a fence, without its <summary>', () => {
    const md = 'Output:\n\n<details>\n<summary>ip route</summary>\ndefault via 10.0.0.1 dev eth0\n10.0.0.0/24 dev eth0 scope link\n</details>\n\nProse.';
    expect(codeBlocksOf(sourceLines(md), 'doc.md').blocks).toEqual([
      { lang: null, lines: [{ line: 5, text: 'default via 10.0.0.1 dev eth0' }, { line: 6, text: '10.0.0.0/24 dev eth0 scope link' }] },
    ]);
  });

  it('leaves a <details> section holding a fence to the fence', () => {
    const md = '<details><summary>iptables-save</summary>\n\n```\n*nat\nCOMMIT\n```\n\n</details>';
    expect(codeBlocksOf(sourceLines(md), 'doc.md').blocks).toEqual([{ lang: null, lines: [{ line: 4, text: '*nat' }, { line: 5, text: 'COMMIT' }] }]);
  });

  it('recognises fence lines', () => {
    expect(isFenceLine('```yaml')).toBe(true);
    expect(isFenceLine('  ~~~')).toBe(true);
    expect(isFenceLine('`code`')).toBe(false);
  });
});

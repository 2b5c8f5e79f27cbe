/** The Markdown report read back by a CommonMark/GFM renderer (markdown-it, tables on), as GitHub would show it. */
import { describe, expect, it } from 'vitest';
import MarkdownIt from 'markdown-it';
import type { Store } from '../model/store';
import { buildReport } from '../project/report';
import { markdownCodeCell, renderReportMarkdown } from './report-markdown';
import type { Report } from './report-model';
import { useReportProjects } from './report.fixture';

let lab: Store;
let edge: Store;
let overlay: Store;
const md = new MarkdownIt();

useReportProjects((p) => ({ lab, edge, overlay } = p));

/** The rendered page as a DOM-less outline: headings and the number of tables. */
function outline(html: string): { headings: string[]; tables: number } {
  const headings = [...html.matchAll(/<h(\d)>(.*?)<\/h\1>/g)].map((m) => `${'#'.repeat(Number(m[1]))} ${m[2]}`);
  return { headings, tables: (html.match(/<table>/g) ?? []).length };
}

describe('Markdown report rendered', () => {
  it('has every section as a heading and its tables as tables', () => {
    const html = md.render(renderReportMarkdown(buildReport(lab)));
    const { headings, tables } = outline(html);
    for (const h of ['# natlens report', '# Findings', '# Kubernetes services', '## Service default/hello', '### kube-proxy rules on nodea', '# NAT flows', '## Hop timelines', '# Nodes', '# Captures']) {
      expect(headings).toContain(h);
    }
    expect(tables).toBeGreaterThan(10);
    // Rules sit in code spans inside table cells.
    expect(html).toMatch(/<td><code>-A KUBE-SERVICES -d 10\.96\.0\.10\/32 -p tcp -m comment --comment &quot;default\/hello:http cluster IP&quot;[^<]*<\/code><\/td>/);
  });

  it('keeps capture text with markup, pipes, backticks and line breaks as text, in its cell', () => {
    const base = buildReport(edge);
    const rule = '-A KUBE-SERVICES -m comment --comment "a | b `x` <b>bold</b>\nnext" -j REJECT';
    const report: Report = {
      ...base,
      services: [{ ...base.services[0]!, rules: [{ node: 'edge', omitted: 0, rules: [{ table: 'nat', chain: 'KUBE-SERVICES', text: rule, source: 'odd|file.txt:3' }] }] }],
    };
    const html = md.render(renderReportMarkdown(report));
    const row = /<tr>\s*<td>odd\|file\.txt:3<\/td>\s*<td>nat<\/td>\s*<td>KUBE-SERVICES<\/td>\s*<td>(.*?)<\/td>\s*<\/tr>/s.exec(html);
    expect(row?.[1]).toBe('<code>-A KUBE-SERVICES -m comment --comment &quot;a | b `x` &lt;b&gt;bold&lt;/b&gt; next&quot; -j REJECT</code>');
    expect(html).not.toContain('<b>bold</b>');
    expect(outline(html).headings).toContain('## 2. [warning] Service default/&lt;script&gt;alert(1)&lt;/script&gt;:http has no endpoints');
  });

  it('says in each hop row which tunnel it crossed, and lists the overlay tunnels as a table of their own', () => {
    const html = md.render(renderReportMarkdown(buildReport(overlay)));
    expect(outline(html).headings).toContain('# Overlay tunnels');
    expect(html).toMatch(/<td>nodea · \? in VXLAN 1 \(192\.168\.77\.1 → 192\.168\.77\.2\)<\/td>\s*<td>original<\/td>\s*<td>10\.244\.1\.5:\d+ &gt; 10\.244\.2\.7:80<\/td>/);
    expect(html).toMatch(/<td>nodea · \? in VXLAN 1 \(192\.168\.77\.2 → 192\.168\.77\.1\)<\/td>\s*<td>reply<\/td>\s*<td>10\.244\.2\.7:80 &gt; 10\.244\.1\.5:\d+<\/td>/);
    expect(html).toMatch(/<tr>\s*<td>VXLAN 1<\/td>\s*<td>vxlan<\/td>\s*<td>1<\/td>\s*<td>192\.168\.77\.2<\/td>\s*<td>192\.168\.77\.1<\/td>\s*<td>8472<\/td>\s*<td>\d+<\/td>/);
  });

  it('writes a code span that its own backticks cannot close', () => {
    expect(markdownCodeCell('a `b` c')).toBe('``a `b` c``');
    expect(markdownCodeCell('`x`')).toBe('`` `x` ``');
    expect(markdownCodeCell('a|b')).toBe('`a\\|b`');
    expect(markdownCodeCell('')).toBe('');
  });
});

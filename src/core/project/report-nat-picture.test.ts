/** The NAT timeline picture in the HTML report: one inline SVG per flow with a timeline, the changed fields marked, the replay beside it. */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../model/store';
import { layoutNatPicture } from '../views/nat-picture';
import { buildReport, PICTURE_REPLAY_LIMIT } from './report';
import { renderNatPictureSvg } from '../report/nat-picture-svg';
import { renderReportHtml } from '../report/report-html';
import { renderReportMarkdown } from '../report/report-markdown';
import { LAB_NODES, projectOf, tempDir } from '../report/report.fixture';

let dir: string;
let lab: Store;

beforeAll(() => {
  dir = tempDir();
  lab = projectOf(dir, 'lab.db', [LAB_NODES]);
});

afterAll(() => {
  lab.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The <figure> of flow `id`'s picture in the page. */
function figureOf(html: string, id: number): string {
  const at = html.indexOf(`<title>NAT timeline of flow ${id}</title>`);
  expect(at, `flow ${id} has a picture`).toBeGreaterThan(0);
  const start = html.lastIndexOf('<figure class="nat-picture">', at);
  return html.slice(start, html.indexOf('</figure>', at) + '</figure>'.length);
}

describe('the NAT picture in the HTML report', () => {
  it('draws a NodePort flow as an accessible SVG with its lanes, the changed fields and the replay beside it', () => {
    const report = buildReport(lab);
    const nodePort = report.flows.shown.find((f) => f.original === '192.168.56.100:41001 > 192.168.56.12:30080');
    expect(nodePort?.picture?.lanes.map((l) => l.label)).toEqual(['nodeb · eth0', 'nodeb · cbr0', 'nodeb · veth-b1']);
    const figure = figureOf(renderReportHtml(report), nodePort!.id);
    expect(figure).toMatch(/<svg [^>]*role="img" aria-label="NAT timeline: 6 sightings across 3 capture points/);
    for (const lane of ['nodeb', 'eth0', 'cbr0', 'veth-b1']) expect(figure).toContain(`>${lane}</text>`);
    expect(figure).toContain('dst 192.168.56.12:30080 → 10.40.2.2:8080');
    expect(figure).toContain('src 192.168.56.100:41001 → 10.40.2.1:41001');
    // The changed ends are marked in the tuple itself.
    expect(figure).toContain('font-weight="700" text-decoration="underline">10.40.2.2:8080</tspan>');
    expect(figure).toContain('>Replay predicts</text>');
    expect(figure).toContain('TIME_WAIT [ASSURED] DNAT+SNAT');
    expect(figure).toContain('<figcaption>NAT timeline: 6 sightings');
  });

  it('keeps the hop table for the formats that cannot draw, and draws nothing there', () => {
    const report = buildReport(lab);
    const md = renderReportMarkdown(report);
    expect(md).not.toContain('<svg');
    expect(md).toContain('| Time | Node · interface | Direction | Tuple | Stage | Packets |');
    expect(renderReportHtml(report)).toContain('<th>Node · interface</th>');
  });

  it('replays a bounded number of NAT flows; later ones are drawn without the replay', () => {
    const replayed = (limit?: number): number[] =>
      buildReport(lab, limit === undefined ? {} : { pictureReplays: limit }).flows.shown.filter((f) => f.picture !== null && f.picture.predictedTitleY !== null).map((f) => f.id);
    const all = replayed();
    expect(all.length).toBeGreaterThan(2);
    expect(all.length).toBeLessThanOrEqual(PICTURE_REPLAY_LIMIT);
    expect(replayed(2)).toEqual(all.slice(0, 2));
  });

  it('escapes capture text in the SVG', () => {
    const t = { src: '10.0.0.1', sport: 1, dst: '10.0.0.2', dport: 2 };
    const picture = layoutNatPicture({
      hops: [{ node: 'n<script>', interface: 'eth"0', netns: null, direction: 'original', before: t, after: t, translated: { dnat: false, snat: false }, explanation: 'x', firstTime: 0, lastTime: 0, alignedFirstTime: 0, packets: 1, evidence: 'observed' }],
      rewrites: [], conntrack: [], comparison: null,
    });
    const svg = renderNatPictureSvg(picture, 'flow <1>');
    expect(svg).not.toContain('<script');
    expect(svg).toContain('n&lt;script&gt;');
    expect(svg).toContain('eth&quot;0');
    expect(svg).toContain('<title>flow &lt;1&gt;</title>');
  });
});

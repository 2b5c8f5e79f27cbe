import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ImportJson, NodeJson } from '../shared/contract/contract-json';
import { ApiError } from '../shared/contract/api-error';
import type { ProjectStore } from '../shared/backend/project';
import type { TraceResultJson } from '../shared/contract/trace-json';
import type { TraceRequestJson } from '../shared/contract/trace-request';
import { startServer, type RunningServer } from './server';
import { contentDisposition } from './http-api';
import { FINDING_PAGE, MAX_FINDING_PAGE, type FindingJson } from '../shared/contract/finding-json';
import { MAX_RULESET_PAGE, RULESET_PAGE } from '../shared/contract/ruleset-timeline-json';
import { findingPage } from '../shared/backend/finding-page';
import { captureJson, importedCaptureJson, importJson, interfaceJson, nodeJson } from '../shared/contract/contract-json.fixture';

interface FakeStore {
  opened: number;
  closed: number;
  imported: string[][];
  importedText: string[];
  traced: TraceRequestJson[];
  topologyPages: [number, number][];
  chosen?: string;
}

const TRACE: TraceResultJson = {
  input: { node: 'node-a', proto: 'tcp', src: '10.0.0.9', sport: 40000, dst: '10.0.0.5', dport: 80, in: 'eth0', local: false },
  outcomes: [],
};

const NODES: NodeJson[] = [
  nodeJson('node-a', { interfaces: [interfaceJson('eth0', { addresses: ['10.0.0.5/24'], mac: '02:00:00:00:00:01', state: 'UP' })], captures: [captureJson(1, 'ip-addr', 'a.txt:1')] }),
];

const WEB: FindingJson = {
  id: 'service-without-endpoints:default/web', severity: 'error', kind: 'service-without-endpoints', title: 'default/web has no endpoints', explanation: 'Fix the selector.',
  nodes: ['node-a'], service: 'default/web', flows: [3], evidence: [{ source: 'a.txt:9', text: '-A KUBE-SERVICES -j REJECT' }],
  trace: { node: 'node-a', proto: 'tcp', src: '10.0.0.9:40000', dst: '10.0.0.5:80', in: 'eth0' },
};
const FINDINGS: FindingJson[] = [
  WEB,
  { ...WEB, id: 'service-without-endpoints:default/api', title: 'default/api has no endpoints', service: 'default/api' },
  { ...WEB, id: 'mark-bit-conflict:node-a:0x4000', severity: 'warning', kind: 'mark-bit-conflict', title: 'node-a: mark bit 0x4000 is set by kube-proxy and calico', service: null, flows: [], trace: null },
];

function fakeOpener(fake: FakeStore) {
  return (dbPath: string): ProjectStore => {
    fake.opened++;
    fs.writeFileSync(dbPath, '');
    return {
      listNodes: () => NODES,
      async importPaths(paths, _options, onProgress, baseDir): Promise<ImportJson> {
        fake.imported.push(paths.map((p) => path.resolve(baseDir ?? '.', p)));
        fake.importedText.push(...paths.map((p) => fs.readFileSync(path.resolve(baseDir ?? '.', p), 'utf8')));
        paths.forEach((p, i) => onProgress({ phase: 'import', done: i + 1, total: paths.length, current: path.basename(p) }));
        return importJson({ nodes: [{ name: 'node-a', captures: [importedCaptureJson('ip-addr', `${path.basename(paths[0] ?? '')}:1`)] }] });
      },
      topology: (offset, limit) => (fake.topologyPages.push([offset, limit]), { nodes: [{ name: 'node-a', interfaces: [], routes: [], bridgePorts: [], namespaces: [] }], services: [], pods: [] }),
      topologySummary: () => ({ nodes: [], routes: { kind: 'pairs', pairs: [] }, services: [], pods: [] }),
      topologyNodes: (names) => names.filter((n) => n === 'node-a').map((name) => ({ name, interfaces: [], routes: [], bridgePorts: [], namespaces: [] })),
      trace(request) {
        fake.traced.push(request);
        if (request.node !== 'node-a') throw new ApiError('rejected', `unknown node "${request.node}"`);
        return TRACE;
      },
      listFlows: (offset) => ({ total: 0, offset, flows: [], clock: [] }),
      flowDetail: () => null,
      rulesetTimeline: (node, offset, limit) => (node === 'node-a' ? { node, snapshots: [], changes: [], page: { offset, limit, totalSnapshots: 0, nextOffset: null } } : null),
      listRules: (request) => ({ node: request.node, capture: null, captures: [], offset: request.offset, total: 0, unfiltered: 0, rules: [] }),
      report: (format) => ({
        format, fileName: `natlens-report.${format}`, mediaType: 'text/markdown; charset=utf-8', encoding: 'utf8', content: '# natlens report\n', generatedAt: '2026-11-23T00:00:00Z',
        summary: { nodes: 1, captures: 1, services: 0, findings: 0, flows: 0, flowsListed: 0 },
      }),
      streamReport(format, _traces, begin) {
        const head = { format, fileName: `natlens-report.${format}`, mediaType: 'text/markdown; charset=utf-8', generatedAt: '2026-11-23T00:00:00Z', summary: { nodes: 1, captures: 1, services: 0, findings: 0, flows: 0, flowsListed: 0 } };
        const sink = begin(head);
        sink.write('# natlens report\n');
        // A render that fails after its first bytes (a JSON report here): the download must not look whole.
        if (format === 'json') {
          sink.write('x'.repeat(70_000));
          throw new Error('the disk went away');
        }
        return head;
      },
      findings: (offset, limit) => findingPage(FINDINGS, offset, limit),
      flowDivergence: (id) => (id === 1 ? { kind: 'not-replayed', flow: 1, reason: 'no packet of the flow was captured on an imported node' } : null),
      captureInterfaces: () => new Map(fake.chosen === undefined ? [] : [[1, { name: fake.chosen, from: 'chosen' as const, named: [] }]]),
      setCaptureInterface(captureId, iface) {
        if (captureId !== 1) throw new ApiError('not-found', `no capture ${captureId} in this project`);
        fake.chosen = iface ?? undefined;
        return { name: iface, from: iface === null ? null : 'chosen', named: [] };
      },
      edit: (edit) => {
        if (edit.kind !== 'rename-node' || edit.node !== 'node-a') throw new ApiError('not-found', 'no such node');
        return { undo: 'u1', summary: `renamed node node-a to ${edit.to}`, notes: [] };
      },
      undoEdit: (undoId) => {
        if (undoId !== 'u1') throw new ApiError('not-found', 'that change can no longer be undone');
        return { summary: 'undid: renamed node node-a' };
      },
      close: () => {
        fake.closed++;
      },
    };
  };
}

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function request(server: RunningServer, options: { method?: string; path: string; headers?: Record<string, string>; body?: string }): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: server.port, method: options.method ?? 'GET', path: options.path, headers: options.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('natlens serve', () => {
  let dir: string;
  let fake: FakeStore;
  let server: RunningServer;
  let auth: Record<string, string>;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'natlens-serve-test-'));
    fs.mkdirSync(path.join(dir, 'ui'));
    fs.writeFileSync(path.join(dir, 'ui', 'index.html'), '<!doctype html><title>natlens</title>');
    fs.writeFileSync(path.join(dir, 'secret.txt'), 'secret');
    fake = { opened: 0, closed: 0, imported: [], importedText: [], traced: [], topologyPages: [] };
    server = await startServer({ dbPath: path.join(dir, 'p.db'), openStore: fakeOpener(fake), rendererDir: path.join(dir, 'ui') });
    auth = { Authorization: `Bearer ${server.token}` };
  });

  afterEach(async () => {
    await server.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('prints a 127.0.0.1 URL carrying a fresh token', async () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=${server.token}`);
    const other = await startServer({ dbPath: path.join(dir, 'q.db'), openStore: fakeOpener(fake), rendererDir: null });
    expect(other.token).not.toBe(server.token);
    expect(server.token.length).toBeGreaterThanOrEqual(40);
    await other.dispose();
  });

  it('answers 401 without or with a wrong token and reads nothing', async () => {
    expect((await request(server, { path: '/api/nodes' })).status).toBe(401);
    expect((await request(server, { path: '/api/nodes', headers: { Authorization: 'Bearer wrong' } })).status).toBe(401);
    const post = await request(server, { method: 'POST', path: '/api/uploads', headers: { 'x-natlens-filename': 'a.txt' }, body: 'data' });
    expect(post.status).toBe(401);
    expect(fake.opened).toBe(0);
    expect(fs.existsSync(path.join(dir, 'p.db'))).toBe(false);
  });

  it('answers 403 to a foreign Host with or without the token', async () => {
    expect((await request(server, { path: '/api/nodes', headers: { ...auth, Host: `evil.example:${server.port}` } })).status).toBe(403);
    expect((await request(server, { path: '/api/nodes', headers: { Host: 'evil.example' } })).status).toBe(403);
    expect((await request(server, { path: '/', headers: { Host: 'evil.example' } })).status).toBe(403);
    expect(fake.opened).toBe(0);
  });

  it('answers 403 to a state-changing request from a foreign Origin, token or not', async () => {
    const r = await request(server, { method: 'POST', path: '/api/uploads', headers: { ...auth, Origin: 'http://evil.example', 'x-natlens-filename': 'a.txt' }, body: 'x' });
    expect(r.status).toBe(403);
    expect(fake.imported).toEqual([]);
  });

  it('serves GET /api/nodes as the nodes JSON, also to localhost:PORT', async () => {
    fs.writeFileSync(path.join(dir, 'p.db'), '');
    const r = await request(server, { path: '/api/nodes', headers: { ...auth, Host: `localhost:${server.port}` } });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/application\/json/);
    expect(JSON.parse(r.body)).toEqual(NODES);
  });

  it('answers an empty project without creating the database', async () => {
    const r = await request(server, { path: '/api/project', headers: auth });
    expect(JSON.parse(r.body)).toMatchObject({ shell: 'web', exists: false, nodes: 0, captures: 0 });
    expect(fake.opened).toBe(0);
  });

  it('refuses a request that fails validation with 400', async () => {
    const r = await request(server, { path: '/api/nodes?bogus=1', headers: auth });
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body)).toEqual({ error: { code: 'invalid-request', message: 'bogus: unknown field' } });
    const i = await request(server, { method: 'POST', path: '/api/import', headers: { ...auth, 'Content-Type': 'application/json' }, body: '{"uploads":[]}' });
    expect(i.status).toBe(400);
  });

  it('imports an upload, streams progress and the result, then deletes the upload', async () => {
    const up = await request(server, { method: 'POST', path: '/api/uploads', headers: { ...auth, 'x-natlens-filename': encodeURIComponent('../node a.txt') }, body: '2: eth0: <UP>\n' });
    expect(up.status).toBe(201);
    const { upload } = JSON.parse(up.body) as { upload: string };
    const r = await request(server, { method: 'POST', path: '/api/import', headers: { ...auth, Accept: 'application/x-ndjson', Origin: `http://127.0.0.1:${server.port}` }, body: JSON.stringify({ uploads: [upload] }) });
    const lines = r.body.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toEqual({ progress: { phase: 'import', done: 1, total: 1, current: 'node_a.txt' } });
    expect(lines.at(-1)).toMatchObject({ result: { nodes: [{ name: 'node-a' }], errors: [] } });
    expect(fake.importedText).toEqual(['2: eth0: <UP>\n']);
    const imported = fake.imported[0]?.[0] ?? '';
    expect(path.basename(imported)).toBe('node_a.txt');
    expect(fs.existsSync(imported)).toBe(false);
    const again = await request(server, { method: 'POST', path: '/api/import', headers: auth, body: JSON.stringify({ uploads: [upload] }) });
    expect(again.status).toBe(404);
  });

  it('serves GET /api/topology, empty before the first import', async () => {
    const empty = await request(server, { path: '/api/topology', headers: auth });
    expect(JSON.parse(empty.body)).toEqual({ nodes: [], services: [], pods: [] });
    expect(fake.opened).toBe(0);
    fs.writeFileSync(path.join(dir, 'p.db'), '');
    const r = await request(server, { path: '/api/topology', headers: auth });
    expect(JSON.parse(r.body)).toMatchObject({ nodes: [{ name: 'node-a' }] });
  });

  it('reads the page of GET /api/topology from its query, refusing a page size out of range', async () => {
    fs.writeFileSync(path.join(dir, 'p.db'), '');
    expect((await request(server, { path: '/api/topology?offset=1&limit=20', headers: auth })).status).toBe(200);
    expect(fake.topologyPages).toEqual([[1, 20]]);
    expect((await request(server, { path: '/api/topology?limit=0', headers: auth })).status).toBe(400);
    expect((await request(server, { path: '/api/topology?limit=many', headers: auth })).status).toBe(400);
  });

  it('serves the topology summary and the nodes named in POST /api/topology/nodes, refusing an empty list', async () => {
    const json = { ...auth, 'Content-Type': 'application/json' };
    expect(JSON.parse((await request(server, { path: '/api/topology/summary', headers: auth })).body)).toEqual({ nodes: [], routes: { kind: 'pairs', pairs: [] }, services: [], pods: [] });
    fs.writeFileSync(path.join(dir, 'p.db'), '');
    const named = await request(server, { method: 'POST', path: '/api/topology/nodes', headers: json, body: JSON.stringify({ names: ['node-a', 'node-z'] }) });
    expect(JSON.parse(named.body)).toEqual([{ name: 'node-a', interfaces: [], routes: [], bridgePorts: [], namespaces: [] }]);
    expect((await request(server, { method: 'POST', path: '/api/topology/nodes', headers: json, body: '{"names":[]}' })).status).toBe(400);
  });

  it('runs POST /api/trace with a validated request and maps a refusal to 422', async () => {
    fs.writeFileSync(path.join(dir, 'p.db'), '');
    const json = { ...auth, 'Content-Type': 'application/json' };
    const good = { node: 'node-a', proto: 'tcp', src: '10.0.0.9', sport: null, dst: '10.0.0.5', dport: 80, in: 'eth0', local: false, follow: false };
    const ok = await request(server, { method: 'POST', path: '/api/trace', headers: json, body: JSON.stringify(good) });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toEqual(TRACE);
    expect(fake.traced).toEqual([good]);

    const badIp = await request(server, { method: 'POST', path: '/api/trace', headers: json, body: JSON.stringify({ ...good, dst: '10.0.0.500' }) });
    expect(badIp.status).toBe(400);
    expect(JSON.parse(badIp.body)).toEqual({ error: { code: 'invalid-request', message: 'dst: "10.0.0.500" is not an IP address' } });
    const both = await request(server, { method: 'POST', path: '/api/trace', headers: json, body: JSON.stringify({ ...good, local: true }) });
    expect(both.status).toBe(400);
    const unknown = await request(server, { method: 'POST', path: '/api/trace', headers: json, body: JSON.stringify({ ...good, node: 'node-z' }) });
    expect(unknown.status).toBe(422);
    expect(JSON.parse(unknown.body)).toEqual({ error: { code: 'rejected', message: 'unknown node "node-z"' } });
    expect(fake.traced).toHaveLength(2);
  });

  it('serves GET /api/findings a page at a time: empty before the first import, the findings after', async () => {
    const empty = await request(server, { path: '/api/findings', headers: auth });
    expect(JSON.parse(empty.body)).toEqual({ findings: [], page: { offset: 0, limit: FINDING_PAGE, total: 0, nextOffset: null }, severities: { error: 0, warning: 0, info: 0 } });
    expect(fake.opened).toBe(0);
    fs.writeFileSync(path.join(dir, 'p.db'), '');
    const r = await request(server, { path: '/api/findings', headers: auth });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toEqual({ findings: FINDINGS, page: { offset: 0, limit: FINDING_PAGE, total: 3, nextOffset: null }, severities: { error: 2, warning: 1, info: 0 } });
    const second = await request(server, { path: '/api/findings?offset=1&limit=1', headers: auth });
    expect(JSON.parse(second.body)).toEqual({ findings: [FINDINGS[1]], page: { offset: 1, limit: 1, total: 3, nextOffset: 2 }, severities: { error: 2, warning: 1, info: 0 } });
    const past = await request(server, { path: '/api/findings?offset=9&limit=5', headers: auth });
    expect(JSON.parse(past.body)).toMatchObject({ findings: [], page: { offset: 9, limit: 5, total: 3, nextOffset: null } });
    const tooMany = await request(server, { path: `/api/findings?limit=${MAX_FINDING_PAGE + 1}`, headers: auth });
    expect(tooMany.status).toBe(400);
    const noToken = await request(server, { path: '/api/findings' });
    expect(noToken.status).toBe(401);
  });

  it('serves POST /api/rulesets a page of snapshots: the offset and limit of the body, RULESET_PAGE without them', async () => {
    fs.writeFileSync(path.join(dir, 'p.db'), '');
    const json = { ...auth, 'Content-Type': 'application/json' };
    const first = await request(server, { method: 'POST', path: '/api/rulesets', headers: json, body: JSON.stringify({ node: 'node-a' }) });
    expect(JSON.parse(first.body)).toMatchObject({ node: 'node-a', page: { offset: 0, limit: RULESET_PAGE } });
    const later = await request(server, { method: 'POST', path: '/api/rulesets', headers: json, body: JSON.stringify({ node: 'node-a', offset: 50, limit: 10 }) });
    expect(JSON.parse(later.body)).toMatchObject({ page: { offset: 50, limit: 10 } });
    const tooMany = await request(server, { method: 'POST', path: '/api/rulesets', headers: json, body: JSON.stringify({ node: 'node-a', limit: MAX_RULESET_PAGE + 1 }) });
    expect(tooMany.status).toBe(400);
  });

  it('runs POST /api/flow-divergence: the view, 404 for an unknown flow, 400 for a bad id', async () => {
    fs.writeFileSync(path.join(dir, 'p.db'), '');
    const json = { ...auth, 'Content-Type': 'application/json' };
    const ok = await request(server, { method: 'POST', path: '/api/flow-divergence', headers: json, body: JSON.stringify({ id: 1 }) });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toMatchObject({ kind: 'not-replayed', flow: 1 });
    const unknown = await request(server, { method: 'POST', path: '/api/flow-divergence', headers: json, body: JSON.stringify({ id: 2 }) });
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.body)).toEqual({ error: { code: 'not-found', message: 'no flow 2 in this project' } });
    const bad = await request(server, { method: 'POST', path: '/api/flow-divergence', headers: json, body: JSON.stringify({ id: 0 }) });
    expect(bad.status).toBe(400);
  });

  it('runs POST /api/capture-interface: the capture\'s row with its chosen interface, 404 for an unknown capture, 400 for a bad name', async () => {
    fs.writeFileSync(path.join(dir, 'p.db'), '');
    const json = { ...auth, 'Content-Type': 'application/json' };
    const post = (body: unknown) => request(server, { method: 'POST', path: '/api/capture-interface', headers: json, body: JSON.stringify(body) });
    const ok = await post({ captureId: 1, interface: 'cbr0' });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toEqual({ id: 1, node: 'node-a', kind: 'ip-addr', source: 'a.txt:1', takenAt: null, interface: { name: 'cbr0', from: 'chosen', named: [] } });
    expect((await post({ captureId: 2, interface: 'cbr0' })).status).toBe(404);
    expect((await post({ captureId: 1, interface: 'x'.repeat(16) })).status).toBe(400);
    expect((await post({ captureId: 1 })).status).toBe(400);
    const cleared = await post({ captureId: 1, interface: null });
    expect(JSON.parse(cleared.body)).toEqual({ id: 1, node: 'node-a', kind: 'ip-addr', source: 'a.txt:1', takenAt: null });
  });

  it('runs POST /api/report: 422 before the first import, the file after, 400 for an unknown format', async () => {
    const json = { ...auth, 'Content-Type': 'application/json' };
    const before = await request(server, { method: 'POST', path: '/api/report', headers: json, body: '{"format":"md"}' });
    expect(before.status).toBe(422);
    expect(fake.opened).toBe(0);
    fs.writeFileSync(path.join(dir, 'p.db'), '');
    const ok = await request(server, { method: 'POST', path: '/api/report', headers: json, body: '{"format":"md"}' });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toMatchObject({ format: 'md', fileName: 'natlens-report.md', content: '# natlens report\n' });
    const bad = await request(server, { method: 'POST', path: '/api/report', headers: json, body: '{"format":"docx"}' });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body)).toMatchObject({ error: { code: 'invalid-request' } });
  });

  it('streams GET /api/report as an attachment on its own thread (no pool): 422 before the first import, 405 for HEAD', async () => {
    const before = await request(server, { path: '/api/report?format=md', headers: auth });
    expect(before.status).toBe(422);
    expect(fake.opened).toBe(0);
    fs.writeFileSync(path.join(dir, 'p.db'), '');
    const ok = await request(server, { path: '/api/report?format=md', headers: auth });
    expect(ok.status).toBe(200);
    expect(ok.headers['content-type']).toBe('text/markdown; charset=utf-8');
    expect(ok.headers['content-disposition']).toBe('attachment; filename="natlens-report.md"');
    expect(ok.body).toBe('# natlens report\n');
    expect((await request(server, { method: 'HEAD', path: '/api/report?format=md', headers: auth })).status).toBe(405);
  });

  it('cuts the connection of a download whose render fails after its first bytes, so it never ends like a whole file', async () => {
    fs.writeFileSync(path.join(dir, 'p.db'), '');
    const outcome = await new Promise<string>((resolve) => {
      const req = http.get({ host: '127.0.0.1', port: server.port, path: '/api/report?format=json', headers: auth }, (res) => {
        res.on('data', () => undefined);
        res.on('end', () => resolve('ended'));
        res.on('error', () => resolve('cut'));
        res.on('aborted', () => resolve('cut'));
      });
      req.on('error', () => resolve('cut'));
    });
    expect(outcome).toBe('cut');
  });

  it('names a download by RFC 6266: plain ASCII as is, anything else with an ASCII fallback and the UTF-8 name', () => {
    expect(contentDisposition('natlens-report-2026-12-07.html')).toBe('attachment; filename="natlens-report-2026-12-07.html"');
    expect(contentDisposition('отчёт "a".md')).toBe(`attachment; filename="_____ _a_.md"; filename*=UTF-8''${encodeURIComponent('отчёт "a".md')}`);
    expect(contentDisposition("it's (1).md")).toBe(`attachment; filename="it's (1).md"`);
    expect(contentDisposition("ü's (1).md")).toBe(`attachment; filename="_'s (1).md"; filename*=UTF-8''%C3%BC%27s%20%281%29.md`);
  });

  it('refuses a trace before anything is imported, without creating the database', async () => {
    const body = JSON.stringify({ node: 'node-a', proto: 'udp', src: '10.0.0.9', dst: '10.0.0.5', local: true, follow: false });
    const r = await request(server, { method: 'POST', path: '/api/trace', headers: { ...auth, 'Content-Type': 'application/json' }, body });
    expect(r.status).toBe(422);
    expect(fake.opened).toBe(0);
    expect(fs.existsSync(path.join(dir, 'p.db'))).toBe(false);
  });

  it('serves the UI with a strict CSP and never a file outside it', async () => {
    const page = await request(server, { path: '/' });
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['content-security-policy']).not.toContain('unsafe');
    expect((await request(server, { path: '/%2e%2e/secret.txt' })).status).toBe(404);
    expect((await request(server, { path: '/..%2fsecret.txt' })).status).toBe(404);
  });

  it('closes the database when disposed', async () => {
    await request(server, { method: 'POST', path: '/api/uploads', headers: { ...auth, 'x-natlens-filename': 'a' }, body: 'x' }).then(async (up) => {
      const { upload } = JSON.parse(up.body) as { upload: string };
      await request(server, { method: 'POST', path: '/api/import', headers: auth, body: JSON.stringify({ uploads: [upload] }) });
    });
    expect(fake.opened).toBe(1);
    await server.dispose();
    expect(fake.closed).toBe(1);
  });
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ImportJson } from '../../shared/contract/contract-json';
import type { ImportOptions, ImportProgress } from '../../shared/contract/api';
import type { ProjectEdit, ProjectStore } from '../../shared/backend/project';
import { startServer, type RunningServer } from '../../server/server';
import { createWebApi } from './web-api';
import { ApiError } from '../../shared/contract/api-error';
import { OPERATION_NAMES, TRANSPORT_OPERATIONS } from '../../shared/contract/api';
import { captureJson, importJson, nodeJson } from '../../shared/contract/contract-json.fixture';

// The fetch client against a real natlens serve over a stand-in store: the two sides of one contract.
describe('web Api client', () => {
  let dir: string;
  let server: RunningServer;
  let imported: string[];
  let chosen: string | null;
  let edits: ProjectEdit[];
  /** Per import call: the paths it named, what options, and every file under them (folders walked), relative to its base. */
  let calls: Array<{ paths: string[]; options: ImportOptions; files: string[] }>;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'natlens-webapi-'));
    imported = [];
    chosen = null;
    edits = [];
    calls = [];
    const store: ProjectStore = {
      listNodes: () => [nodeJson('n1', { captures: [captureJson(1, 'ip-route', 'r.txt:1')] })],
      async importPaths(paths, options, onProgress, baseDir, signal): Promise<ImportJson> {
        const base = baseDir ?? '.';
        const files = paths.flatMap((p) => (fs.statSync(path.resolve(base, p)).isDirectory() ? (fs.readdirSync(path.resolve(base, p), { recursive: true }) as string[]).map((f) => path.join(p, f)) : [p]))
          .filter((f) => fs.statSync(path.resolve(base, f)).isFile()).sort();
        calls.push({ paths: [...paths], options, files });
        const texts = files.map((p) => fs.readFileSync(path.resolve(base, p), 'utf8'));
        imported.push(...texts);
        onProgress({ phase: 'import', done: 1, total: 1, current: paths[0] ?? null });
        // Stands in for an import long enough to be cancelled: it ends only when its job is.
        if (texts.includes('until cancelled\n')) {
          await new Promise((_, reject) => signal?.addEventListener('abort', () => reject(new ApiError('cancelled', 'the import of slow.txt was cancelled'))));
        }
        return importJson({ nodes: [{ name: options.node ?? 'n1', captures: [] }], errors: [{ source: `${paths[0]}:2`, message: 'bad line' }] });
      },
      topology: () => ({ nodes: [], services: [], pods: [] }),
      topologySummary: () => ({ nodes: [], routes: { kind: 'pairs', pairs: [] }, services: [], pods: [] }),
      topologyNodes: (names) => names.map((name) => ({ name, interfaces: [], routes: [], bridgePorts: [], namespaces: [] })),
      trace: (request) => ({ input: { ...request, src: request.src ?? '192.0.2.1', sport: request.sport ?? 40000, dport: request.dport ?? null, in: request.in ?? null }, outcomes: [] }),
      listFlows: (offset, limit) => ({ total: 3, offset, flows: [], clock: [{ node: 'n1', offsetSeconds: 0, reference: 'n1', samples: limit }] }),
      flowDetail: () => null,
      rulesetTimeline: (node, offset, limit) => (node === 'n1' ? { node, snapshots: [], changes: [], page: { offset, limit, totalSnapshots: 0, nextOffset: null } } : null),
      listRules: (request) => {
        if (request.node !== 'n1') throw new ApiError('not-found', `there is no node "${request.node}" in this project`);
        return { node: 'n1', capture: null, captures: [], offset: request.offset, total: 0, unfiltered: 0, rules: [] };
      },
      report: (format) => ({
        format, fileName: `natlens-report.${format}`, mediaType: 'application/pdf', encoding: 'base64', content: 'JVBERi0=', generatedAt: '2026-11-23T00:00:00Z',
        summary: { nodes: 1, captures: 1, services: 0, findings: 0, flows: 0, flowsListed: 0 },
      }),
      streamReport(format, traces, begin) {
        const head = {
          format, fileName: `natlens-report-2026-11-23.${format}`, mediaType: 'text/markdown; charset=utf-8', generatedAt: '2026-11-23T00:00:00Z',
          summary: { nodes: 1, captures: 1, services: 0, findings: 0, flows: 0, flowsListed: 0 },
        };
        const sink = begin(head);
        sink.write('# natlens report\n');
        sink.write(`traces: ${traces.map((t) => t.node).join(',')}\n`);
        return head;
      },
      findings: (offset, limit) => ({ findings: [], page: { offset, limit, total: 0, nextOffset: null }, severities: { error: 0, warning: 0, info: 0 } }),
      flowDivergence: (id) => (id === 4 ? { kind: 'not-replayed', flow: 4, reason: 'protocol 2 is not replayed' } : null),
      captureInterfaces: () => new Map(chosen === null ? [] : [[1, { name: chosen, from: 'chosen' as const, named: [] }]]),
      setCaptureInterface: (_captureId, iface) => {
        chosen = iface;
        return { name: iface, from: iface === null ? null : 'chosen', named: [] };
      },
      edit: (edit) => {
        edits.push(edit);
        return { undo: `u${edits.length}`, summary: edit.kind, notes: [] };
      },
      undoEdit: (undoId) => {
        if (undoId !== `u${edits.length}`) throw new ApiError('rejected', 'only the latest change can be undone');
        return { summary: `undid ${undoId}` };
      },
      close: () => {},
    };
    server = await startServer({ dbPath: path.join(dir, 'p.db'), openStore: (p) => (fs.writeFileSync(p, ''), store), rendererDir: null });
  });

  afterEach(async () => {
    await server.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const base = () => `http://127.0.0.1:${server.port}`;

  it('uploads files, reports upload then import progress, and returns the import JSON', async () => {
    const api = createWebApi({ token: server.token, base: base() });
    const progress: ImportProgress[] = [];
    const result = await api.importFiles([new File(['default via 10.0.0.1 dev eth0\n'], 'routes.txt')], { node: 'web-1' }, (p) => progress.push(p));
    expect(imported).toEqual(['default via 10.0.0.1 dev eth0\n']);
    expect(result).toEqual({ nodes: [{ name: 'web-1', captures: [] }], warnings: [], errors: [{ source: 'routes.txt:2', message: 'bad line' }], files: [] });
    expect(progress.map((p) => p.phase)).toEqual(['upload', 'import']);
    expect((await api.listNodes({}))[0]?.name).toBe('n1');
    expect((await api.listCaptures({}))[0]).toEqual({ id: 1, node: 'n1', kind: 'ip-route', source: 'r.txt:1', takenAt: null });
  });

  it('uploads a dropped folder\'s files with their paths: the import walks the folder, beside a loose file', async () => {
    const api = createWebApi({ token: server.token, base: base() });
    await api.importFiles(
      [{ file: new File(['a\n'], 'ip-addr.txt'), folderPath: 'cluster/node-a/ip-addr.txt' }, { file: new File(['b\n'], 'ip-addr.txt'), folderPath: 'cluster/node-b/ip-addr.txt' }, new File(['c\n'], 'ip-addr.txt')],
      {},
    );
    expect(calls).toEqual([{ paths: ['cluster', 'ip-addr.txt'], options: {}, files: ['cluster/node-a/ip-addr.txt', 'cluster/node-b/ip-addr.txt', 'ip-addr.txt'] }]);
    expect(imported).toEqual(['a\n', 'b\n', 'c\n']);
  });

  it('sends the node files picked together go to, and refuses a path that leaves the dropped folder', async () => {
    const api = createWebApi({ token: server.token, base: base() });
    await api.importFiles([new File(['a\n'], 'a.txt'), new File(['b\n'], 'b.txt')], { folderNode: 'worker-1' });
    expect(calls[0]?.options).toEqual({ folderNode: 'worker-1' });
    await expect(api.importFiles([{ file: new File(['x'], 'x.txt'), folderPath: 'cluster/../../x.txt' }], {})).rejects.toMatchObject({ code: 'invalid-request' });
    await expect(api.importFiles([{ file: new File(['x'], 'x.txt'), folderPath: 'x.txt' }], {})).rejects.toMatchObject({ code: 'invalid-request' });
  });

  it('renames, merges and deletes through the table\'s routes and undoes the newest edit', async () => {
    fs.writeFileSync(path.join(dir, 'p.db'), '');
    const api = createWebApi({ token: server.token, base: base() });
    expect(await api.renameNode({ node: 'n1', to: 'n2' })).toEqual({ undo: 'u1', summary: 'rename-node', notes: [] });
    await api.mergeNodes({ node: 'n2', into: 'n3' });
    await api.deleteNode({ node: 'n3' });
    await api.deleteCapture({ captureId: 1 });
    await api.moveCapture({ captureId: 1, node: 'n4' });
    await api.renameCapture({ captureId: 1, to: 'before the fix' });
    expect(edits).toEqual([
      { kind: 'rename-node', node: 'n1', to: 'n2' }, { kind: 'merge-nodes', node: 'n2', into: 'n3' }, { kind: 'delete-node', node: 'n3' },
      { kind: 'delete-capture', captureId: 1 }, { kind: 'move-capture', captureId: 1, node: 'n4' },
      { kind: 'rename-capture', captureId: 1, to: 'before the fix' },
    ]);
    await expect(api.undoEdit({ undo: 'u1' })).rejects.toMatchObject({ code: 'rejected' });
    expect(await api.undoEdit({ undo: 'u6' })).toEqual({ summary: 'undid u6' });
    await expect(api.renameNode({ node: '', to: 'x' })).rejects.toMatchObject({ code: 'invalid-request' });
    await expect(api.renameCapture({ captureId: 1, to: 'a\u001bb' })).rejects.toMatchObject({ code: 'invalid-request' });
  });

  it('posts the interface chosen for a capture and reads the capture\'s row back', async () => {
    fs.writeFileSync(path.join(dir, 'p.db'), '');
    const api = createWebApi({ token: server.token, base: base() });
    expect(await api.setCaptureInterface({ captureId: 1, interface: 'eth0' })).toEqual({
      id: 1, node: 'n1', kind: 'ip-route', source: 'r.txt:1', takenAt: null, interface: { name: 'eth0', from: 'chosen', named: [] },
    });
    expect((await api.listCaptures({}))[0]?.interface).toEqual({ name: 'eth0', from: 'chosen', named: [] });
    await expect(api.setCaptureInterface({ captureId: 0, interface: 'eth0' })).rejects.toMatchObject({ code: 'invalid-request' });
  });

  it('posts a trace request as JSON and reads the trace back', async () => {
    fs.writeFileSync(path.join(dir, 'p.db'), '');
    const api = createWebApi({ token: server.token, base: base() });
    const result = await api.trace({ node: 'n1', proto: 'tcp', src: '10.40.1.3', sport: 40001, dst: '10.96.0.10', dport: 80, in: 'cbr0', local: false, follow: true });
    expect(result.input).toEqual({ node: 'n1', proto: 'tcp', src: '10.40.1.3', sport: 40001, dst: '10.96.0.10', dport: 80, in: 'cbr0', local: false, follow: true });
    expect((await api.topology({})).nodes).toEqual([]);
  });

  it('pages flows through a POST body and maps an unknown flow to not-found', async () => {
    fs.writeFileSync(path.join(dir, 'p.db'), '');
    const api = createWebApi({ token: server.token, base: base() });
    expect(await api.listFlows({ offset: 100, limit: 50 })).toEqual({ total: 3, offset: 100, flows: [], clock: [{ node: 'n1', offsetSeconds: 0, reference: 'n1', samples: 50 }] });
    await expect(api.listFlows({ offset: 0, limit: 5000 })).rejects.toMatchObject({ code: 'invalid-request' });
    await expect(api.flowDetail({ id: 7 })).rejects.toMatchObject({ code: 'not-found', message: 'no flow 7 in this project' });
  });

  it('gets the findings and posts a flow id for its divergence view, an unknown flow being not-found', async () => {
    fs.writeFileSync(path.join(dir, 'p.db'), '');
    const api = createWebApi({ token: server.token, base: base() });
    expect(await api.findings({})).toEqual({ findings: [], page: { offset: 0, limit: 100, total: 0, nextOffset: null }, severities: { error: 0, warning: 0, info: 0 } });
    expect((await api.findings({ offset: 200, limit: 50 })).page).toEqual({ offset: 200, limit: 50, total: 0, nextOffset: null });
    expect(await api.flowDivergence({ id: 4 })).toEqual({ kind: 'not-replayed', flow: 4, reason: 'protocol 2 is not replayed' });
    await expect(api.flowDivergence({ id: 5 })).rejects.toMatchObject({ code: 'not-found', message: 'no flow 5 in this project' });
  });

  it('posts a node for its ruleset timeline and maps an unknown node to not-found', async () => {
    fs.writeFileSync(path.join(dir, 'p.db'), '');
    const api = createWebApi({ token: server.token, base: base() });
    expect(await api.rulesetTimeline({ node: 'n1' })).toEqual({ node: 'n1', snapshots: [], changes: [], page: { offset: 0, limit: 50, totalSnapshots: 0, nextOffset: null } });
    await expect(api.rulesetTimeline({ node: 'n9' })).rejects.toMatchObject({ code: 'not-found', message: 'no node "n9" in this project' });
    await expect(api.rulesetTimeline({ node: '' })).rejects.toMatchObject({ code: 'invalid-request' });
    expect(await api.listRules({ node: 'n1', offset: 0, limit: 50, chain: 'KUBE-SVC-', port: 80 })).toEqual({ node: 'n1', capture: null, captures: [], offset: 0, total: 0, unfiltered: 0, rules: [] });
    await expect(api.listRules({ node: 'n9', offset: 0, limit: 50 })).rejects.toMatchObject({ code: 'not-found', message: 'there is no node "n9" in this project' });
    await expect(api.listRules({ node: 'n1', offset: 0, limit: 5000 })).rejects.toMatchObject({ code: 'invalid-request' });
  });

  it('posts a report format and reads the file back; refuses a format the report does not have', async () => {
    fs.writeFileSync(path.join(dir, 'p.db'), '');
    const api = createWebApi({ token: server.token, base: base() });
    const file = await api.report({ format: 'pdf' });
    expect(file).toMatchObject({ format: 'pdf', fileName: 'natlens-report.pdf', encoding: 'base64', content: 'JVBERi0=' });
    await expect(api.report({ format: 'docx' as 'pdf' })).rejects.toMatchObject({ code: 'invalid-request' });
  });

  it('downloads a report as the streamed file, with the name the server gives and the traces in the query', async () => {
    fs.writeFileSync(path.join(dir, 'p.db'), '');
    const api = createWebApi({ token: server.token, base: base() });
    const trace = { node: 'n1', proto: 'tcp' as const, src: '10.0.0.9', dst: '10.0.0.5', dport: 80, in: 'eth0', local: false, follow: false };
    const download = await api.downloadReport!({ format: 'md', traces: [trace, { ...trace, node: 'n2' }] });
    expect(download.fileName).toBe('natlens-report-2026-11-23.md');
    // The Blob's type is the response's Content-Type as fetch normalises it.
    expect(download.blob.type.replace(/\s/g, '')).toBe('text/markdown;charset=utf-8');
    expect(await download.blob.text()).toBe('# natlens report\ntraces: n1,n2\n');
    await expect(api.downloadReport!({ format: 'docx' as 'md' })).rejects.toMatchObject({ code: 'invalid-request' });
    await expect(createWebApi({ token: 'wrong', base: base() }).downloadReport!({ format: 'md' })).rejects.toMatchObject({ code: 'unauthorized' });
  });

  it('turns a 401 into an ApiError with the server message', async () => {
    const api = createWebApi({ token: 'wrong', base: base() });
    await expect(api.getProjectInfo({})).rejects.toMatchObject({ name: 'ApiError', code: 'unauthorized' });
  });

  it('cancels an import job when its signal aborts: the call rejects as cancelled and the uploads are kept', async () => {
    const api = createWebApi({ token: server.token, base: base() });
    const controller = new AbortController();
    const onProgress = (p: ImportProgress): void => {
      if (p.phase === 'import') controller.abort();
    };
    const cancelled = api.importFiles([new File(['until cancelled\n'], 'slow.txt')], {}, onProgress, controller.signal);
    await expect(cancelled).rejects.toMatchObject({ code: 'cancelled', message: 'the import of slow.txt was cancelled (the uploaded files are kept: import them again)' });
    // The job is gone once it settled: cancelling it again finds nothing to cancel.
    expect(await api.cancelJob({ job: 'job-no-such' })).toEqual({ cancelled: false });
  });

  it('offers every operation of the table the page may call, and nothing else', () => {
    const api = createWebApi({ token: 't', base: base() });
    const expected = OPERATION_NAMES.filter((n) => !(TRANSPORT_OPERATIONS as readonly string[]).includes(n));
    expect(Object.keys(api).filter((k) => typeof (api as unknown as Record<string, unknown>)[k] === 'function').sort()).toEqual(
      [...expected, 'commonFolderOf', 'downloadReport', 'importFiles', 'onShellEvent'].sort(),
    );
  });

  it('refuses desktop-only operations in web mode', async () => {
    const api = createWebApi({ token: server.token, base: base() });
    await expect(api.openProject({})).rejects.toMatchObject({ code: 'unsupported' });
  });
});

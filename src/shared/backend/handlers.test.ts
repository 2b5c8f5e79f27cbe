import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_REPORT_TRACES, parseRequest } from '../contract/api';
import { ApiError } from '../contract/api-error';
import { coreStoreOpener } from './core-backend';
import { report } from './handlers';
import { Project } from './project';
import { ValidationError } from '../contract/validator';

const labNodes = path.resolve(process.cwd(), 'test/fixtures/lab/nodes');

describe('report handler over core, on the kernel lab', () => {
  let dir: string;
  let project: Project;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'natlens-report-handler-'));
    project = new Project(path.join(dir, 'lab.db'), coreStoreOpener());
    await project.write((store) => store.importPaths([labNodes], {}, () => {}));
  });
  afterAll(() => {
    project.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('renders the HTML report with both nodes, stitching the flows first, and summarises it', () => {
    const file = report(project, { format: 'html' });
    expect(file.format).toBe('html');
    expect(file.mediaType).toBe('text/html; charset=utf-8');
    expect(file.encoding).toBe('utf8');
    expect(file.fileName).toMatch(/^natlens-report-\d{4}-\d{2}-\d{2}\.html$/);
    expect(file.content).toContain('natlens report');
    expect(file.content).toContain('nodea');
    expect(file.content).toContain('nodeb');
    expect(file.content).not.toMatch(/<script/i);
    expect(file.summary.nodes).toBe(2);
    expect(file.summary.captures).toBeGreaterThan(2);
    expect(file.summary.services).toBe(1);
    // Flows exist only once stitched: the handler stitched them as the CLI does.
    expect(file.summary.flows).toBeGreaterThan(0);
    expect(file.summary.flowsListed).toBe(Math.min(file.summary.flows, 200));
  });

  it('sends the PDF as base64 of a PDF file', () => {
    const file = report(project, { format: 'pdf' });
    expect(file).toMatchObject({ format: 'pdf', mediaType: 'application/pdf', encoding: 'base64' });
    expect(file.fileName.endsWith('.pdf')).toBe(true);
    const bytes = Buffer.from(file.content, 'base64');
    expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(bytes.subarray(-6).toString('latin1')).toMatch(/%%EOF\s*$/);
  });

  it('renders Markdown and the JSON document of the same report model', () => {
    const md = report(project, { format: 'md' });
    expect(md).toMatchObject({ mediaType: 'text/markdown; charset=utf-8', encoding: 'utf8' });
    expect(md.content).toContain('nodea');
    const json = report(project, { format: 'json' });
    const doc = JSON.parse(json.content) as { version: number; title: string; summary: { nodes: number; flows: number } };
    expect(doc.title).toBe('natlens report');
    expect(doc.summary.nodes).toBe(json.summary.nodes);
    expect(doc.summary.flows).toBe(json.summary.flows);
  });

  it('replays the traces the request carries into the Traces section', () => {
    const trace = { node: 'nodea', proto: 'tcp' as const, src: '10.40.1.3', dst: '10.96.0.10', dport: 80, in: 'veth-a1', local: false, follow: true };
    const md = report(project, { format: 'md', traces: [trace] });
    expect(md.content).toContain('# Traces');
    expect(md.content).toContain('natlens trace --node nodea --proto tcp --src 10.40.1.3 --dst 10.96.0.10:80 --in veth-a1 --follow');
    expect(md.content).toMatch(/default\/hello:http → 10\.40\.\d\.2:8080/);
  });
});

describe('report request validation', () => {
  it('takes up to MAX_REPORT_TRACES valid trace requests and refuses more, or a malformed one, naming it', () => {
    const trace = { node: 'nodea', proto: 'tcp', src: '10.40.1.3', dst: '10.96.0.10', dport: 80, in: 'veth-a1', local: false, follow: true };
    expect(parseRequest('report', { format: 'md', traces: [trace] }).traces).toEqual([trace]);
    expect(() => parseRequest('report', { format: 'md', traces: Array.from({ length: MAX_REPORT_TRACES + 1 }, () => trace) })).toThrow(ValidationError);
    expect(() => parseRequest('report', { format: 'md', traces: [{ ...trace, dst: 'not-an-ip' }] })).toThrow(/traces\[0\]\.dst/);
    expect(() => parseRequest('report', { format: 'md', traces: [{ ...trace, in: null }] })).toThrow(ValidationError);
  });
});

describe('report handler before the first import', () => {
  it('refuses, creating no database', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'natlens-report-empty-'));
    const project = new Project(path.join(dir, 'none.db'), coreStoreOpener());
    try {
      expect(() => report(project, { format: 'html' })).toThrow(new ApiError('rejected', 'nothing is imported yet: import captures first'));
      expect(fs.existsSync(path.join(dir, 'none.db'))).toBe(false);
    } finally {
      project.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('report request validation', () => {
  it('accepts the four formats and refuses any other', () => {
    for (const format of ['html', 'md', 'pdf', 'json']) expect(parseRequest('report', { format })).toEqual({ format });
    expect(() => parseRequest('report', { format: 'docx' })).toThrow(ValidationError);
    expect(() => parseRequest('report', {})).toThrow(ValidationError);
  });
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiError } from './api-error';
import { coreStoreOpener } from './core-backend';
import { topology, trace } from './handlers';
import { Project } from './project';

const labNodes = path.resolve(process.cwd(), 'test/fixtures/lab/nodes');

describe('trace and topology handlers over core', () => {
  let dir: string;
  let project: Project;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'natlens-backend-'));
    project = new Project(path.join(dir, 'p.db'), coreStoreOpener());
  });
  afterEach(() => {
    project.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const request = { node: 'nodea', proto: 'tcp' as const, src: '10.40.1.3', sport: 40001, dst: '10.96.0.10', dport: 80, in: 'cbr0', local: false, follow: false };

  it('replays the lab ClusterIP packet into two 50% branches naming the service', async () => {
    await project.write((store) => store.importPaths([labNodes], {}, () => {}));
    const result = trace(project, request);
    expect(result.input).toEqual({ node: 'nodea', proto: 'tcp', src: '10.40.1.3', sport: 40001, dst: '10.96.0.10', dport: 80, in: 'cbr0', local: false });
    expect(result.outcomes.map((o) => o.probability)).toEqual([0.5, 0.5]);
    expect(result.outcomes.every((o) => o.service?.id === 'default/hello:http')).toBe(true);
    expect(result.outcomes.map((o) => o.packet.dst).sort()).toEqual(['10.40.1.2', '10.40.2.2']);
  });

  it('turns an unknown node and a non-ruleset snapshot into rejected API errors', async () => {
    await project.write((store) => store.importPaths([labNodes], {}, () => {}));
    expect(() => trace(project, { ...request, node: 'nodez' })).toThrow(new ApiError('rejected', 'unknown node "nodez" (known: nodea, nodeb)'));
    const addrCapture = project.read((store) => store.listNodes(), [])[0]?.captures.find((c) => c.kind === 'ip-addr');
    expect(() => trace(project, { ...request, snapshot: Number(addrCapture?.id) })).toThrow(/is not an iptables capture/);
  });

  it('pins an older ruleset with snapshot', async () => {
    await project.write((store) => store.importPaths([labNodes], {}, () => {}));
    const save = project.read((store) => store.listNodes(), [])[0]?.captures.find((c) => c.kind === 'iptables-save');
    const result = trace(project, { ...request, snapshot: Number(save?.id) });
    expect(result.outcomes).toHaveLength(2);
  });

  it('answers an empty topology and refuses a trace before the first import, creating nothing', () => {
    expect(topology(project)).toEqual({ nodes: [], services: [], pods: [] });
    expect(() => trace(project, request)).toThrow(ApiError);
    expect(fs.existsSync(path.join(dir, 'p.db'))).toBe(false);
  });

  it('serves the topology of the imported lab', async () => {
    await project.write((store) => store.importPaths([labNodes], {}, () => {}));
    const t = topology(project);
    expect(t.nodes.map((n) => n.name)).toEqual(['nodea', 'nodeb']);
    expect(t.services.map((s) => `${s.namespace}/${s.name}`)).toEqual(['default/hello']);
  });
});

/** `kubectl get -w` output: each object read as its last row, the earlier rows counted in one note. */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseKubectl } from './kubectl';
import { getCommandOf } from './kubectl-command';
import { importPaths } from '../../import/import-paths';
import { listNodes } from '../../project/nodes';
import { useTempProject } from '../../../../test/support/temp-project';

const FIXTURES = path.join('test', 'fixtures', 'kubectl');
const fixture = (name: string): string => readFileSync(path.join(FIXTURES, name), 'utf8');
const input = (text: string, firstLine = 1) => ({ file: 'watch.txt', text, firstLine });
const project = useTempProject('kubectl-watch');

describe('kubectl get -w', () => {
  it('reads each pod of `get pods -o wide -w` from its last row, rows widened by a long status included', () => {
    const got = parseKubectl(input(fixture('get-pods-wide-watch.txt')), getCommandOf(['kubectl', 'get', 'pods', '-o', 'wide', '-w']));
    expect(got.pods).toEqual([
      { namespace: 'default', name: 'web-7d4b9c-abcde', status: 'Terminating', ip: '10.244.1.11', node: 'node-a', line: 9 },
      { namespace: 'default', name: 'web-7d4b9c-fghij', status: 'Running', ip: '10.244.2.10', node: 'node-b', line: 8 },
      { namespace: 'default', name: 'web-7d4b9c-pqrst', status: 'Running', ip: '10.244.1.12', node: 'node-a', line: 7 },
    ]);
    expect(got.warnings).toEqual([{ line: 5, message: expect.stringMatching(/^5 rows repeat objects listed above \(a watch, `kubectl get -w`.*the first here: each object is read from its last row/) }]);
  });

  it('reads rows an older kubectl aligned each on its own, and one output without repeats without a note', () => {
    const text = [
      'NAME      READY     STATUS    RESTARTS   AGE',
      'web-0     0/1       Pending   0          0s',
      'web-0     0/1       Pending   0         0s',
      'web-0     0/1       ContainerCreating   0         0s',
      'web-0     1/1       Running   0         19s',
      'web-1     0/1       Pending   0         0s',
      'web-1     1/1       Running   1 (3s ago)   20s',
    ].join('\n');
    const got = parseKubectl(input(text, 40));
    expect(got.pods.map((p) => [p.name, p.status, p.line])).toEqual([['web-0', 'Running', 44], ['web-1', 'Running', 46]]);
    expect(got.warnings?.map((w) => w.line)).toEqual([42]);
    expect(parseKubectl(input(text.split('\n').slice(0, 2).join('\n'))).warnings).toBeUndefined();
  });

  it('reads `--output-watch-events`: the EVENT column, and an object deleted last is gone', () => {
    const got = parseKubectl(input(fixture('get-endpoints-watch-events.txt')));
    expect(got.endpoints).toEqual([
      { namespace: 'default', name: 'kubernetes', endpoints: ['192.168.49.2:8443'], line: 2 },
      { namespace: 'default', name: 'web', endpoints: ['10.244.1.12:8080', '10.244.2.10:8080'], line: 6 },
    ]);
    expect(got.warnings?.map((w) => w.line)).toEqual([5, 7]);
    expect(got.warnings?.[1]?.message).toMatch(/^1 DELETED event, the first here: an object deleted last during the watch is not stored$/);
    expect(() => parseKubectl(input('EVENT   NAME   ENDPOINTS   AGE\nCHANGED   web   10.0.0.1:80   1d\n'))).toThrow(/watch\.txt:2: not a watch event: "CHANGED"/);
  });

  it('reads the rows of a watch piped through grep, its columns named by the command', () => {
    const rows = fixture('get-pods-wide-watch.txt').split('\n').filter((l) => l.startsWith('web-7d4b9c-pqrst')).join('\n');
    const got = parseKubectl(input(rows, 4), getCommandOf(['kubectl', 'get', 'pods', '-o', 'wide', '-w']));
    expect(got.pods.map((p) => [p.name, p.status, p.node, p.line])).toEqual([['web-7d4b9c-pqrst', 'Running', 'node-a', 7]]);
    expect(got.warnings?.map((w) => w.line)).toEqual([5]);
  });

  it('detects a saved `--output-watch-events` output by its EVENT header and imports what is left of it', () => {
    const p = project();
    const file = p.write('endpoints-watch.txt', fixture('get-endpoints-watch-events.txt'));
    const report = importPaths(p.store(), [file], {});
    expect(report.errors).toEqual([]);
    expect(report.cluster).toEqual([expect.objectContaining({ kind: 'kubectl', records: 2 })]);
    expect(report.warnings.map((w) => w.source)).toEqual([`${file}:5`, `${file}:7`]);
  });

  it('imports a pasted watch ended with Ctrl-C as the last states, with one warning naming the first repeat', () => {
    const p = project();
    const file = p.write('session.txt', `root@cp:~# kubectl get pods -o wide -w\n${fixture('get-pods-wide-watch.txt')}root@cp:~# exit\n`);
    const report = importPaths(p.store(), [file], {});
    expect(report.errors).toEqual([]);
    expect(report.cluster).toEqual([expect.objectContaining({ kind: 'kubectl', records: 3, lines: [2, 11] })]);
    expect(report.warnings).toEqual([{ source: `${file}:6`, message: expect.stringMatching(/^kubectl: 5 rows repeat objects listed above/) }]);
    const pods = p.store().db.prepare('SELECT name, status FROM pods ORDER BY id').raw().all();
    expect(pods).toEqual([['web-7d4b9c-abcde', 'Terminating'], ['web-7d4b9c-fghij', 'Running'], ['web-7d4b9c-pqrst', 'Running']]);
    expect(listNodes(p.store())).toEqual([]);
  });
});

describe('a watch stopped with Ctrl-C, the next prompt on the ^C line', () => {
  it('ends the watch there: the next command is its own, and no row is made of the prompt', () => {
    const p = project();
    const file = p.write('session.txt', [
      'root@cp:~# kubectl get pods -w',
      'NAME    READY   STATUS    RESTARTS   AGE',
      'web-0   1/1     Running   0          2d',
      'web-0   1/1     Terminating   0          2d',
      '^Croot@cp:~# kubectl get svc',
      'NAME         TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)   AGE',
      'kubernetes   ClusterIP   10.96.0.1    <none>        443/TCP   40d',
      'root@cp:~# exit',
      '',
    ].join('\n'));
    const report = importPaths(p.store(), [file], {});
    expect(report.errors).toEqual([]);
    expect(report.cluster?.map((c) => [c.kind, c.lines, c.records])).toEqual([['kubectl', [2, 4], 1], ['kubectl', [6, 7], 1]]);
    expect(p.store().db.prepare('SELECT name, status FROM pods').raw().all()).toEqual([['web-0', 'Terminating']]);
  });
});

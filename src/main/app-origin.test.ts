import { describe, expect, it } from 'vitest';
import { fragmentFromArgs, isOwnPage, projectFromArgs, windowUrl } from './app-origin';

describe('isOwnPage', () => {
  it('accepts only our natlens://app/ page in a build', () => {
    expect(isOwnPage('natlens://app/index.html', undefined)).toBe(true);
    expect(isOwnPage('natlens://app.evil/index.html', undefined)).toBe(false);
    expect(isOwnPage('file:///tmp/index.html', undefined)).toBe(false);
    expect(isOwnPage('http://localhost:5173/', undefined)).toBe(false);
    expect(isOwnPage('', undefined)).toBe(false);
  });

  it('accepts the dev server origin only in dev', () => {
    expect(isOwnPage('http://localhost:5173/index.html', 'http://localhost:5173')).toBe(true);
    expect(isOwnPage('http://localhost:5174/', 'http://localhost:5173')).toBe(false);
  });
});

describe('the view a desktop link opens', () => {
  it('takes a #/ fragment alone or from a natlens://app/ link, and nothing else', () => {
    expect(fragmentFromArgs(['.', '#/flows/3'])).toBe('#/flows/3');
    expect(fragmentFromArgs(['natlens://app/index.html#/trace?node=nodea&proto=tcp&src=10.40.1.3:40001&dst=10.96.0.10:80&in=cbr0'])).toBe(
      '#/trace?node=nodea&proto=tcp&src=10.40.1.3:40001&dst=10.96.0.10:80&in=cbr0',
    );
    expect(fragmentFromArgs(['https://evil.example/#/flows/3', 'file:///etc/passwd#/x', '--inspect', 'flows/3'])).toBe('');
    expect(fragmentFromArgs(['#/nodes/a b', '#/nodes/ok'])).toBe('#/nodes/ok');
    expect(fragmentFromArgs([`#/nodes/${'x'.repeat(5000)}`])).toBe('');
    expect(fragmentFromArgs([])).toBe('');
  });

  it('opens our own page (or the dev server) with the fragment', () => {
    expect(windowUrl(undefined, '#/findings')).toBe('natlens://app/index.html#/findings');
    expect(windowUrl(undefined, '')).toBe('natlens://app/index.html');
    expect(windowUrl('http://localhost:5173/', '#/flows/1')).toBe('http://localhost:5173/#/flows/1');
  });
});

describe('projectFromArgs', () => {
  it('takes the first project file named on the command line, made absolute', () => {
    expect(projectFromArgs(['out/main/index.js', '--no-sandbox', 'cluster.db', '#/topology'], '/home/ana')).toBe('/home/ana/cluster.db');
    expect(projectFromArgs(['.', '/srv/a.SQLITE', 'b.db'], '/x')).toBe('/srv/a.SQLITE');
    expect(projectFromArgs(['lab.natlens'], '/x')).toBe('/x/lab.natlens');
  });

  it('ignores switches, fragments, URLs and other files', () => {
    expect(projectFromArgs(['--user-data-dir=/tmp/u.db', '#/flows/a.db', 'natlens://app/x.db', 'notes.txt'], '/x')).toBeNull();
  });
});

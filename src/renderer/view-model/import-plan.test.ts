import { describe, expect, it } from 'vitest';
import { commonFolderName, type ImportItem } from '../../shared/contract/api';
import { folderInputItems, planImport, walkDropped, type DroppedEntry } from './import-plan';

const file = (name: string, relative = ''): File => {
  const f = new File(['x'], name);
  if (relative !== '') Object.defineProperty(f, 'webkitRelativePath', { value: relative });
  return f;
};

function fileEntry(name: string): DroppedEntry {
  return { name, isFile: true, isDirectory: false, file: () => Promise.resolve(file(name)), children: () => Promise.reject(new Error('a file')) };
}

function folderEntry(name: string, children: DroppedEntry[]): DroppedEntry {
  return { name, isFile: false, isDirectory: true, file: () => Promise.reject(new Error('a folder')), children: () => Promise.resolve(children) };
}

const paths = (items: readonly ImportItem[]): string[] => items.map((i) => (i instanceof File ? i.name : i.folderPath));

describe('import plan', () => {
  it('asks for one node for several loose files, suggesting their common folder', () => {
    const items = [file('ip-addr.txt'), file('ip-route.txt'), file('iptables-save.txt')];
    expect(planImport(items, {}, 'node-a')).toEqual({ kind: 'name-node', items, suggested: 'node-a' });
    expect(planImport(items, {}, null)).toMatchObject({ kind: 'name-node', suggested: '' });
  });

  it('imports at once: one file, a node given, a dropped folder, archives only', () => {
    expect(planImport([file('a.txt')], {}, null).kind).toBe('import');
    expect(planImport([file('a.txt'), file('b.txt')], { node: 'n1' }, null)).toMatchObject({ kind: 'import', options: { node: 'n1' } });
    expect(planImport([{ file: file('a.txt'), folderPath: 'cluster/n1/a.txt' }, file('b.txt')], {}, null).kind).toBe('import');
    expect(planImport([file('n1.tar.gz'), file('n2.zip')], {}, null).kind).toBe('import');
  });

  it('walks a dropped folder: its files keep their paths in it, loose files stay loose, hidden ones are named as skipped', async () => {
    const dropped = await walkDropped([
      folderEntry('cluster', [
        folderEntry('node-b', [fileEntry('ip-route.txt'), fileEntry('.DS_Store')]),
        folderEntry('node-a', [fileEntry('ip-addr.txt'), folderEntry('pcaps', [fileEntry('eth0.pcap')])]),
        fileEntry('kubectl-get-svc.txt'),
      ]),
      fileEntry('extra.txt'),
      folderEntry('.git', [fileEntry('HEAD')]),
    ]);
    expect(paths(dropped.items)).toEqual(['cluster/kubectl-get-svc.txt', 'cluster/node-a/ip-addr.txt', 'cluster/node-a/pcaps/eth0.pcap', 'cluster/node-b/ip-route.txt', 'extra.txt']);
    expect(dropped.skipped).toEqual(['cluster/node-b/.DS_Store', '.git']);
  });

  it('reads a folder input\'s relative paths as a dropped folder', () => {
    const picked = folderInputItems([file('a.txt', 'lab/n1/a.txt'), file('b', 'lab/.hidden/b')]);
    expect(paths(picked.items)).toEqual(['lab/n1/a.txt']);
    expect(picked.skipped).toEqual(['lab/.hidden/b']);
  });
});

describe('common folder name', () => {
  it('is the last folder every path shares', () => {
    expect(commonFolderName(['/home/u/node-a/ip-addr.txt', '/home/u/node-a/ip-route.txt'])).toBe('node-a');
    expect(commonFolderName(['/home/u/node-a/x/1.txt', '/home/u/node-a/y/2.txt'])).toBe('node-a');
    expect(commonFolderName(['C:\\caps\\worker-3\\a.txt', 'C:\\caps\\worker-3\\b.txt'])).toBe('worker-3');
    expect(commonFolderName(['lab/n1/a.txt', 'lab/n2/b.txt'])).toBe('lab');
  });

  it('is null when they share nothing but the root, or there are none', () => {
    expect(commonFolderName(['/a.txt', '/b.txt'])).toBeNull();
    expect(commonFolderName(['C:\\a.txt', 'C:\\b.txt'])).toBeNull();
    expect(commonFolderName([])).toBeNull();
  });
});

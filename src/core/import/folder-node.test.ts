import { describe, expect, it } from 'vitest';
import { enterFolder, isGroupingName, namedFolderPlace, nodeOfFolders } from './folder-node';

describe('isGroupingName', () => {
  it('takes folder names that say what or when, in any case, as grouping names', () => {
    for (const name of ['nodes', 'Nodes', 'captures', 'pcaps', 'text', 'transcripts', 'before', '2024-01-05', '20240105', '20240105_1200', '2024-01-05T12:00:00Z', '2024-01-05_12-00-00', '1700000000']) {
      expect(isGroupingName(name), name).toBe(true);
    }
  });

  it('takes host names, addresses and anything else as a node\'s name', () => {
    for (const name of ['nodea', 'worker-1', 'ip-10-0-1-5.ec2.internal', '10.0.0.5', 'node-2024', 'master', 'case-123', '1', '02', '12345']) {
      expect(isGroupingName(name), name).toBe(false);
    }
  });
});

describe('nodeOfFolders', () => {
  it('is the first folder below the named one whose name is not a grouping name', () => {
    expect(nodeOfFolders('lab', ['nodea'])).toBe('nodea');
    expect(nodeOfFolders('lab', ['nodes', 'nodea'])).toBe('nodea');
    expect(nodeOfFolders('case-123', ['captures', 'worker-1'])).toBe('worker-1');
    expect(nodeOfFolders('lab', ['nodea', 'pcaps'])).toBe('nodea');
    expect(nodeOfFolders('lab', ['nodea', 'deeper', 'still'])).toBe('nodea');
  });

  it('is the named folder for its own files and those in grouping folders only', () => {
    expect(nodeOfFolders('nodea', [])).toBe('nodea');
    expect(nodeOfFolders('nodea', ['pcaps'])).toBe('nodea');
    expect(nodeOfFolders('nodea', ['text', '2024-01-05'])).toBe('nodea');
  });

  it('keeps the named folder\'s own name even when it is a grouping name', () => {
    expect(nodeOfFolders('captures', [])).toBe('captures');
  });

  it('does not move off a chosen node', () => {
    const chosen = enterFolder(namedFolderPlace('lab'), 'nodea');
    expect(enterFolder(chosen, 'nodeb')).toBe(chosen);
  });
});

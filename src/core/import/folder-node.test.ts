import { describe, expect, it } from 'vitest';
import { enterFolder, isGroupingName, looksLikeInnerNode, namedFolderPlace, nodeOfFolders, type FolderStep } from './folder-node';

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

/** A folder that holds only folders. */
const dir = (name: string): FolderStep => ({ name, holdsFiles: false });
/** A folder that holds files of its own. */
const filesIn = (name: string): FolderStep => ({ name, holdsFiles: true });

describe('nodeOfFolders', () => {
  it('is the sub-folder of the named one, as CONTRACT.md says, whatever it holds', () => {
    expect(nodeOfFolders('lab', [filesIn('nodea')])).toBe('nodea');
    expect(nodeOfFolders('lab', [dir('nodea'), filesIn('deeper')])).toBe('nodea');
    expect(nodeOfFolders('lab', [dir('nodea'), dir('deeper'), filesIn('still')])).toBe('nodea');
  });

  it('names a node after a sub-folder with a grouping name when that folder holds files of its own', () => {
    expect(nodeOfFolders('lab', [filesIn('text')])).toBe('text');
    expect(nodeOfFolders('lab', [filesIn('before')])).toBe('before');
    expect(nodeOfFolders('lab', [filesIn('2024-01-05')])).toBe('2024-01-05');
    expect(nodeOfFolders('nodea', [filesIn('pcaps')])).toBe('pcaps');
    expect(nodeOfFolders('lab', [filesIn('nodes'), filesIn('nodea')])).toBe('nodes');
  });

  it('goes one folder deeper through a grouping folder that holds only folders', () => {
    expect(nodeOfFolders('lab', [dir('nodes'), filesIn('nodea')])).toBe('nodea');
    expect(nodeOfFolders('case-123', [dir('captures'), filesIn('worker-1')])).toBe('worker-1');
    expect(nodeOfFolders('lab', [dir('2024-01-05'), filesIn('nodea')])).toBe('nodea');
    expect(nodeOfFolders('lab', [dir('2024-01-05'), dir('nodes'), filesIn('nodea')])).toBe('nodea');
  });

  it('changes nothing below a folder that names a node', () => {
    expect(nodeOfFolders('lab', [dir('nodea'), filesIn('pcaps')])).toBe('nodea');
    expect(nodeOfFolders('lab', [dir('nodes'), dir('nodea'), dir('nodes'), filesIn('nodeb')])).toBe('nodea');
  });

  it('is the named folder for its own files, even when its name is a grouping name', () => {
    expect(nodeOfFolders('nodea', [])).toBe('nodea');
    expect(nodeOfFolders('captures', [])).toBe('captures');
  });

  it('does not take a folder with a name unlike a grouping name as grouping, even when it holds only folders', () => {
    expect(nodeOfFolders('lab', [dir('nodea'), filesIn('eth0')])).toBe('nodea');
  });

  it('does not move off a chosen node', () => {
    const chosen = enterFolder(namedFolderPlace('lab'), filesIn('nodea'));
    expect(enterFolder(chosen, filesIn('nodeb'))).toBe(chosen);
  });
});

describe('looksLikeInnerNode', () => {
  it('is a node a host name chose, not one a grouping folder holding files chose', () => {
    expect(looksLikeInnerNode(enterFolder(namedFolderPlace('nodea'), filesIn('worker-1')))).toBe(true);
    expect(looksLikeInnerNode(enterFolder(namedFolderPlace('nodea'), filesIn('before')))).toBe(false);
    expect(looksLikeInnerNode(namedFolderPlace('nodea'))).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { enterFolder, isGroupingName, looksLikeInnerNode, namedFolderPlace, placeOfFolders, type FolderStep } from './folder-node';

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

describe('placeOfFolders', () => {
  it('is the sub-folder of the named one, as CONTRACT.md says, whatever it holds', () => {
    expect(placeOfFolders('lab', [filesIn('nodea')]).node).toBe('nodea');
    expect(placeOfFolders('lab', [dir('nodea'), filesIn('deeper')]).node).toBe('nodea');
    expect(placeOfFolders('lab', [dir('nodea'), dir('deeper'), filesIn('still')]).node).toBe('nodea');
  });

  it('names a node after a sub-folder with a grouping name when that folder holds files of its own', () => {
    expect(placeOfFolders('lab', [filesIn('text')]).node).toBe('text');
    expect(placeOfFolders('lab', [filesIn('before')]).node).toBe('before');
    expect(placeOfFolders('lab', [filesIn('2024-01-05')]).node).toBe('2024-01-05');
    expect(placeOfFolders('nodea', [filesIn('pcaps')]).node).toBe('pcaps');
    expect(placeOfFolders('lab', [filesIn('nodes'), filesIn('nodea')]).node).toBe('nodes');
  });

  it('goes one folder deeper through a grouping folder that holds only folders', () => {
    expect(placeOfFolders('lab', [dir('nodes'), filesIn('nodea')]).node).toBe('nodea');
    expect(placeOfFolders('case-123', [dir('captures'), filesIn('worker-1')]).node).toBe('worker-1');
    expect(placeOfFolders('lab', [dir('2024-01-05'), filesIn('nodea')]).node).toBe('nodea');
    expect(placeOfFolders('lab', [dir('2024-01-05'), dir('nodes'), filesIn('nodea')]).node).toBe('nodea');
  });

  it('changes nothing below a folder that names a node', () => {
    expect(placeOfFolders('lab', [dir('nodea'), filesIn('pcaps')]).node).toBe('nodea');
    expect(placeOfFolders('lab', [dir('nodes'), dir('nodea'), dir('nodes'), filesIn('nodeb')]).node).toBe('nodea');
  });

  it('is the named folder for its own files, even when its name is a grouping name', () => {
    expect(placeOfFolders('nodea', []).node).toBe('nodea');
    expect(placeOfFolders('captures', []).node).toBe('captures');
  });

  it('does not take a folder with a name unlike a grouping name as grouping, even when it holds only folders', () => {
    expect(placeOfFolders('lab', [dir('nodea'), filesIn('eth0')]).node).toBe('nodea');
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

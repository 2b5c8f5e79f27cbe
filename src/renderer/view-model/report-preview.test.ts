import { describe, expect, it } from 'vitest';
import type { ReportFileJson } from '../../shared/contract/report-file-json';
import { previewKey, previewWhileBuilding } from './report-preview';

const file = { fileName: 'r.html', content: '<h1>natlens report</h1>' } as unknown as ReportFileJson;

describe('the report preview while its successor is built', () => {
  it('keeps the last preview of the same project on screen, marked as not current', () => {
    const key = previewKey('/p/a.db', []);
    expect(previewWhileBuilding({ key, file }, '/p/a.db')).toEqual({ file, key, current: false });
  });

  it('keeps it when only the traces changed', () => {
    const key = previewKey('/p/a.db', ['t1']);
    expect(previewWhileBuilding({ key, file }, '/p/a.db')?.current).toBe(false);
  });

  it("never shows another project's report for this one, nor one when there was none", () => {
    expect(previewWhileBuilding({ key: previewKey('/p/a.db', []), file }, '/p/b.db')).toBeNull();
    expect(previewWhileBuilding({ key: previewKey(null, []), file }, '/p/b.db')).toBeNull();
    expect(previewWhileBuilding(undefined, '/p/a.db')).toBeNull();
  });

  it('tells projects and trace lists apart, whatever their names hold', () => {
    expect(previewKey('a', ['b'])).not.toBe(previewKey('a","b', []));
    expect(previewKey('/p/a.db', ['t1', 't2'])).not.toBe(previewKey('/p/a.db', ['t2', 't1']));
  });
});

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { APP_ICON_RELATIVE, appIconPath } from './app-icon';

const ROOT = path.resolve(__dirname, '../..');

/** Width and height from a PNG's IHDR chunk. */
function pngSize(file: string): { width: number; height: number } {
  const bytes = fs.readFileSync(file);
  expect(bytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  expect(bytes.toString('latin1', 12, 16)).toBe('IHDR');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

describe('the app icon', () => {
  it('is a square PNG of at least 512 px (electron-builder needs 512 for macOS) that the window finds', () => {
    const icon = appIconPath(ROOT);
    expect(icon).toBe(path.join(ROOT, 'resources', 'icon.png'));
    const { width, height } = pngSize(icon!);
    expect(width).toBe(height);
    expect(width).toBeGreaterThanOrEqual(512);
    expect(appIconPath(path.join(ROOT, 'no-such-app'))).toBeUndefined();
  });

  it('is the icon electron-builder packages, for every platform, and is shipped in the package files', () => {
    const config = JSON.parse(fs.readFileSync(path.join(ROOT, 'electron-builder.json'), 'utf8')) as {
      icon: string;
      files: string[];
      linux: { icon: string };
      mac: { icon: string };
      win: { icon: string };
      directories: { buildResources: string };
    };
    expect([config.icon, config.linux.icon, config.mac.icon, config.win.icon]).toEqual(Array(4).fill(APP_ICON_RELATIVE));
    expect(config.files).toContain(APP_ICON_RELATIVE);
    expect(path.dirname(APP_ICON_RELATIVE)).toBe(config.directories.buildResources);
  });
});

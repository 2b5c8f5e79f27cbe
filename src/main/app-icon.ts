/** The app icon: the window's (BrowserWindow) and the package's (electron-builder.json) are this one file. No electron import. */
import fs from 'node:fs';
import path from 'node:path';

export const APP_ICON_RELATIVE = 'resources/icon.png';

/** The icon's path under the app, or undefined when a trimmed build left it out (the window then has Electron's). */
export function appIconPath(appRoot: string): string | undefined {
  const icon = path.join(appRoot, ...APP_ICON_RELATIVE.split('/'));
  return fs.existsSync(icon) ? icon : undefined;
}

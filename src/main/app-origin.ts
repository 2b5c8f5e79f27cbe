/** Where our own page lives, the test every IPC request's frame must pass, and what the command line names. No electron import: tested under plain Node. */
import path from 'node:path';
export const APP_SCHEME = 'natlens';
export const APP_ORIGIN = `${APP_SCHEME}://app`;

export function isOwnPage(url: string, devUrl: string | undefined): boolean {
  if (url.startsWith(`${APP_ORIGIN}/`)) return true;
  if (devUrl === undefined) return false;
  try {
    return new URL(url).origin === new URL(devUrl).origin;
  } catch {
    return false;
  }
}

const MAX_FRAGMENT = 4096;

/**
 * The view a link names on the command line (`natlens-desktop '#/flows/3'` or a whole
 * `natlens://app/index.html#/flows/3`): its `#/...` fragment, or '' for none. Only the fragment is
 * taken, so no argument can point the window anywhere but our own page.
 */
export function fragmentFromArgs(argv: readonly string[]): string {
  for (const arg of argv) {
    const at = arg.startsWith('#/') ? 0 : arg.startsWith(`${APP_ORIGIN}/`) ? arg.indexOf('#/') : -1;
    if (at < 0) continue;
    const fragment = arg.slice(at);
    if (fragment.length <= MAX_FRAGMENT && !/[\s\u0000-\u001f\u007f]/.test(fragment)) return fragment;
  }
  return '';
}

/** The window's start URL: our page (or the dev server's) with the view's fragment. */
export function windowUrl(devUrl: string | undefined, fragment: string): string {
  return `${devUrl ?? `${APP_ORIGIN}/index.html`}${fragment}`;
}

const PROJECT_EXTENSIONS = ['.db', '.sqlite', '.natlens'];

/**
 * A project named on the command line (`natlens-desktop cluster.db '#/topology'`): the first argument
 * that is not a switch and ends like a project file, made absolute against `cwd`; null for none.
 */
export function projectFromArgs(argv: readonly string[], cwd: string): string | null {
  for (const arg of argv) {
    if (arg.startsWith('-') || arg.startsWith('#') || arg.includes('://')) continue;
    const lower = arg.toLowerCase();
    if (PROJECT_EXTENSIONS.some((ext) => lower.endsWith(ext))) return path.resolve(cwd, arg);
  }
  return null;
}

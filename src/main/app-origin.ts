/** Where our own page lives, and the test every IPC request's frame must pass. No electron import: tested under plain Node. */
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

/** The file name a `Content-Disposition: attachment` header suggests (RFC 6266): `filename*` (RFC 8187 UTF-8) first, else `filename`. */
export function dispositionFileName(header: string | null): string | null {
  if (header === null) return null;
  const extended = /(?:^|;)\s*filename\*\s*=\s*UTF-8''([^;\s]+)/i.exec(header)?.[1];
  if (extended !== undefined) {
    try {
      return safeName(decodeURIComponent(extended));
    } catch {
      // A malformed escape: the plain name below, if any.
    }
  }
  const quoted = /(?:^|;)\s*filename\s*=\s*"((?:[^"\\]|\\.)*)"/i.exec(header)?.[1];
  if (quoted !== undefined) return safeName(quoted.replace(/\\(.)/g, '$1'));
  const token = /(?:^|;)\s*filename\s*=\s*([^;\s"]+)/i.exec(header)?.[1];
  return token === undefined ? null : safeName(token);
}

/** Only the last path segment: the browser strips directories too, but the name is also shown. */
function safeName(name: string): string | null {
  const base = name.split(/[/\\]/).pop()?.trim() ?? '';
  return base === '' || base === '.' || base === '..' ? null : base;
}

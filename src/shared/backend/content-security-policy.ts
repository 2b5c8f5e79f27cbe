/** The one Content-Security-Policy of the UI, in both shells: our own scripts, styles and API only; no eval, no inline script. */
import { createHash } from 'node:crypto';
import { REPORT_CSS } from '../../core/report/report-html';

/**
 * The Reports tab previews the report in an `<iframe sandbox="" srcdoc>`. A srcdoc document inherits
 * this policy, so its one inline <style> is allowed by its hash — no other inline style, and the
 * empty sandbox runs no script whatever the policy says. frame-src falls back to default-src, and a
 * srcdoc frame loads nothing, so no frame-src is needed.
 */
export const REPORT_STYLE_HASH = `'sha256-${createHash('sha256').update(REPORT_CSS, 'utf8').digest('base64')}'`;

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  `style-src 'self' ${REPORT_STYLE_HASH}`,
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The one rule for a name a user gives in an edit (a node's new name, a capture's name), whichever face asks:
 * the web contract's validator refuses such names before they reach core, the command line does not, so the
 * check lives here, where every edit goes through.
 */
import { visibleControls } from '../common/visible-controls';

/** As long as a node name (a DNS name) may be: a name, not a note. */
export const MAX_NAME_LENGTH = 253;

/** Why `name` cannot be `what` ("a node's name"), or null when it can; the name is quoted with its controls made visible. */
export function nameProblem(name: string, what: string): string | null {
  if (name.length === 0) return `${what} cannot be empty`;
  if (name.length > MAX_NAME_LENGTH) return `${what} is at most ${MAX_NAME_LENGTH} characters (this one has ${name.length})`;
  // Every control character (C0, DEL, C1): a name is shown on terminals and in reports.
  if (/\p{Cc}/u.test(name)) return `${what} cannot hold control characters: "${visibleControls(name).replace(/\t/g, '\\t').replace(/\n/g, '\\n')}"`;
  return null;
}

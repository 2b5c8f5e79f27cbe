/**
 * Shell prompts in pasted terminal sessions: `root@host:~#`, `user@host:/path$`, `[user@host dir]$`,
 * `core@host ~ $`, `(venv) user@host:~$`, `host [~]$`, `host ~ #`, `host ~ ➜`, `host$`, `/ #`, `$`, `#`. The prompt names the node.
 */
import { isCommandWord } from './transcript/command-line';

export interface Prompt {
  /** The host named by the prompt; null for `$ cmd`, `# cmd`, `/ # cmd`. */
  node: string | null;
  /** What follows the prompt (may be empty: a prompt waiting for input). */
  command: string;
  /**
   * `strong` prompts name a user and host; `weak` ones (`# cmd`, `host$ cmd`, `/etc # cmd`) look like
   * comment lines in printed files too, so they count only where no strong prompt is in sight.
   */
  strength: 'strong' | 'weak';
}

/** A prompt never starts further in than this, so a 10 MB line is looked at only at its start. */
const HEAD = 512;

const VENV = String.raw`(?:\([^()\s]{1,64}\)\s*)?`;
const USER_HOST = String.raw`([\w.-]{1,64})@([\w.-]{1,253})`;
const PROMPT_CHAR = '[$#%]';

/** Prompts that are prompts whatever follows them. */
const STRONG: readonly RegExp[] = [
  // [user@host dir]$, also with the `[` a blog engine wrote as the HTML entity `&#91;`
  new RegExp(String.raw`^${VENV}(?:\[|&#91;)${USER_HOST}(?:[ :][^\]\n]{0,256})?\]\s?${PROMPT_CHAR}(?: |$)`),
  // user@host:~$  root@c1d2e3:/#
  new RegExp(String.raw`^${VENV}${USER_HOST}:[^\s$#%]{0,256}\s?${PROMPT_CHAR}(?: |$)`),
  // core@host ~ $
  new RegExp(String.raw`^${VENV}${USER_HOST}\s+[~/.\w-][^\s$#%]{0,256}\s${PROMPT_CHAR}(?: |$)`),
  // user@host$  root@host #
  new RegExp(String.raw`^${VENV}${USER_HOST}\s?${PROMPT_CHAR}(?: |$)`),
];

/** Prompts without a host, or a bare host: only when a command word follows, else too easily output. */
const HOSTLESS_DOLLAR = /^\$(?: |$)/;
const HOSTLESS_OTHER = /^[#%] /;
const PATH_PROMPT = /^(?:~|\/)[^\s$#%]{0,256} ?[#$] /;
const ROOT_PATH_PROMPT = /^(?:~|\/) ?[#$](?: |$)/;
const SHELL_VERSION_PROMPT = /^(?:ba|z|k|)sh-\d[\d.]{0,16}[$#] /;
/** zsh themes: `❯ cmd` (pure, starship), `➜  dir git:(main) ✗ cmd` (oh-my-zsh's default). */
const ZSH_ARROW = /^❯{1,3} /;
const OH_MY_ZSH = /^➜ +[^\s]{1,256}(?: git:\([^)\s]{0,128}\))?(?: ✗)? +/;
/** Gentoo's root prompt, `gentoo ~ # cmd`, `node1 /etc # cmd`: host, a home or absolute directory, `#` (only before a command). */
const HOST_DIR_HASH = /^([A-Za-z][\w.-]{0,252}) (?:~|~?\/[^\s$#%]{0,256}) # /;
/** k3OS's prompt, `k3os-4241 [~]$ cmd`: host, the directory in brackets, `$` or `#`. */
const HOST_BRACKET_DIR = /^([A-Za-z][\w.-]{0,252}) \[[^\]\s]{1,256}\] ?[$#] /;
/** KodeKloud's lab shells: `controlplane ~ ➜  cmd`, `node01 /etc/cni/net.d ➜  ls`: host, directory, arrow. */
const HOST_DIR_ARROW = /^([A-Za-z][\w.-]{0,252}) +[~/.\w-][^\s]{0,256} ➜ +/;
/** A virtualenv/conda prefix before a prompt without a host: `(venv) $ cmd`, `(base) ❯ cmd`. */
const ENV_PREFIX = /^\([^()\s]{1,64}\) +/;
const HOST_ONLY = /^([A-Za-z][\w.-]{0,252})(?::[^\s$#%]{0,256})? ?[$#%] /;

/** The terminal's echo of a Ctrl-C that stopped the command before (`kubectl get -w`, `tcpdump`), printed where the next prompt starts. */
const INTERRUPT_ECHO = '^C';

export function parsePrompt(line: string): Prompt | null {
  if (line.startsWith(INTERRUPT_ECHO)) return parsePrompt(line.slice(INTERRUPT_ECHO.length));
  const head = line.length > HEAD ? line.slice(0, HEAD) : line;
  if (!/[$#%❯➜]/.test(head)) return null;
  for (const re of STRONG) {
    const m = re.exec(head);
    if (m) return { node: m[2] ?? null, command: line.slice(m[0].length).trim(), strength: 'strong' };
  }
  const arrow = HOST_DIR_ARROW.exec(head);
  if (arrow) return { node: arrow[1]!, command: line.slice(arrow[0].length).trim(), strength: 'strong' };
  const k3os = HOST_BRACKET_DIR.exec(head);
  if (k3os) return { node: k3os[1]!, command: line.slice(k3os[0].length).trim(), strength: 'strong' };
  const gentoo = HOST_DIR_HASH.exec(head);
  if (gentoo && startsWithCommand(line, gentoo[0].length)) return { node: gentoo[1]!, command: line.slice(gentoo[0].length).trim(), strength: 'strong' };
  const env = ENV_PREFIX.exec(head)?.[0].length ?? 0;
  const bare = env > 0 ? head.slice(env) : head;
  let m = HOSTLESS_DOLLAR.exec(bare) ?? ROOT_PATH_PROMPT.exec(bare) ?? SHELL_VERSION_PROMPT.exec(bare) ?? ZSH_ARROW.exec(bare) ?? OH_MY_ZSH.exec(bare);
  if (m) return { node: null, command: line.slice(env + m[0].length).trim(), strength: 'strong' };
  m = HOSTLESS_OTHER.exec(head) ?? PATH_PROMPT.exec(head);
  if (m) return startsWithCommand(line, m[0].length) ? { node: null, command: line.slice(m[0].length).trim(), strength: 'weak' } : null;
  m = HOST_ONLY.exec(head);
  if (m && startsWithCommand(line, m[0].length)) return { node: m[1]!, command: line.slice(m[0].length).trim(), strength: 'weak' };
  return null;
}

function startsWithCommand(line: string, from: number): boolean {
  const rest = line.slice(from, from + HEAD).trimStart();
  const word = /^\S+/.exec(rest)?.[0];
  return word !== undefined && isCommandWord(word);
}

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[()][0-9A-Za-z]|\x1b[=>78cDEHM]/g;

/** Removes terminal colour and title escapes (`ip -c addr`, coloured prompts); other text untouched. */
export function stripAnsi(text: string): string {
  return text.includes('\x1b') ? text.replace(ANSI, '') : text;
}

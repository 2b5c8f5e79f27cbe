/**
 * Whether a line is a command someone typed or a line of output: for prompt-less code blocks and prompts
 * that could be either (`# cmd`, `host$ cmd`). Looks at the program word and the word after it.
 */
import { programName } from '../shell-words';
import { ASSIGNMENT } from './command-wrappers';

/** Programs whose name alone makes a line a command (output lines do not start with them). */
const COMMAND_WORDS = new Set([
  'sudo', 'doas', 'cat', 'echo', 'printf', 'export', 'cd', 'unset', 'source', 'curl', 'wget', 'ping', 'ping6', 'apt', 'apt-get',
  'apk', 'yum', 'dnf', 'screen', 'tmux', 'exit', 'logout', 'sysctl', 'arp', 'ss', 'toolbox', 'vagrant', 'ssh', 'gcloud',
  'aws', 'az', 'systemctl', 'journalctl', 'less', 'tail', 'head', 'grep', 'egrep', 'watch', 'traceroute', 'tracepath',
  'mtr', 'nc', 'ncat', 'telnet', 'dig', 'nslookup', 'modprobe', 'lsmod', 'ethtool', 'tc', 'nft', 'ipvsadm', 'nsenter',
  'unshare', 'ifconfig', 'netstat', 'iptables-save', 'ip6tables-save', 'iptables-legacy-save', 'iptables-nft-save',
  'iptables-restore', 'ipset', 'ebtables', 'etcd', 'etcdctl', 'rm', 'vim', 'vi', 'nano', 'ls', 'mkdir', 'touch', 'cp',
  'mv', 'chmod', 'chown', 'kube-proxy', 'kubelet', 'kube-apiserver', 'kube-scheduler', 'kube-controller-manager',
  'kubeadm', 'helm', 'minikube', 'kind', 'k3s', 'ctr', 'calicoctl', 'cilium', 'ovs-vsctl', 'ovs-ofctl', 'ovs-appctl',
  'nmcli', 'resolvectl', 'sleep', 'ps', 'pgrep', 'pkill', 'kill', 'lsof', 'hostname', 'uname', 'whoami', 'dmesg', 'tee',
  'awk', 'sed', 'jq', 'xargs', 'env', 'nohup', 'while', 'for', 'if', 'diff', 'git', 'make', 'openssl', 'socat', 'lsns',
  'pidof', 'which', 'tshark', 'bash', 'sh', 'zsh', 'su', 'mount', 'umount', 'free', 'df', 'conntrack', 'tcpdump',
  'iptables', 'ip6tables', 'iptables-legacy', 'iptables-nft', 'ip', 'bridge', 'brctl', 'route', 'kubectl', 'oc',
  'docker', 'podman', 'nerdctl', 'crictl', 'k', 'time', 'column', 'chroot',
]);

/** Protocol (or what is left of it), protocol number, timeout, state, then the original tuple. */
const CONNTRACK_ENTRY = /^\S+\s+\d{1,3}\s+\d{1,10}\s+(?:[A-Z_]{2,16}\s+)?src=\S+\s+dst=\S+/;

/** Output lines can start with these words too; the next word tells a command from output. */
function argumentsLookLikeCommand(program: string, next: string | undefined): boolean {
  switch (program) {
    case 'conntrack':
    case 'iptables':
    case 'ip6tables':
    case 'iptables-legacy':
    case 'iptables-nft':
      return next !== undefined && next.startsWith('-');
    case 'tcpdump':
      return next === undefined || next.startsWith('-');
    case 'time':
      return next !== undefined && COMMAND_WORDS.has(programName(next));
    case 'column':
      return next === undefined || next.startsWith('-');
    case 'chroot':
      return next !== undefined && next.startsWith('/');
    case 'route':
      return next === undefined || next.startsWith('-') || next === 'add' || next === 'del';
    case 'ip':
      return next !== undefined && (next.startsWith('-') || /^(a|ad|addr|address|r|ro|route|l|link|n|neigh|neighbor|netns|rule|ru|tuntap|monitor|maddr|mroute|xfrm|tunnel|vrf|token)$/.test(next));
    case 'bridge':
      return next !== undefined && /^(-\S*|link|fdb|mdb|vlan|monitor)$/.test(next);
    case 'brctl':
      return next !== undefined && /^(-\S*|show|addbr|delbr|addif|delif|showmacs|showstp|stp|setageing)$/.test(next);
    case 'kubectl':
    case 'oc':
    case 'k':
    case 'docker':
    case 'podman':
    case 'crictl':
    case 'kind':
      return next === undefined || /^-|^[a-z][a-z-]*$/.test(next);
    default:
      return true;
  }
}

/** Word a prompt's command must start with when the prompt itself is ambiguous (`# cmd`, `host$ cmd`). */
export function isCommandWord(word: string): boolean {
  return COMMAND_WORDS.has(programName(word)) || ASSIGNMENT.test(word);
}

/**
 * A line of a prompt-less code block that is a command (`sudo iptables-save`, `ip address show`,
 * `PID=$(docker inspect ...)`), not output. Looks at the start of the line only.
 */
export function looksLikeCommandLine(line: string): boolean {
  const head = line.slice(0, 256).trim();
  if (head === '') return false;
  // A conntrack entry whose first letters a paste clipped (`cp      6 86205 ESTABLISHED src=...`) is output.
  if (CONNTRACK_ENTRY.test(head)) return false;
  const words = head.split(/\s+/);
  let i = 0;
  if (ASSIGNMENT.test(words[0]!)) return !/^[A-Za-z_][A-Za-z0-9_]*=\s*$/.test(words[0]!) || words.length === 1;
  while (i < words.length && (words[i] === 'sudo' || (i > 0 && words[i - 1] === 'sudo' && words[i]!.startsWith('-')))) i++;
  const word = words[i];
  if (word === undefined) return words[0] === 'sudo';
  const program = programName(word);
  if (!COMMAND_WORDS.has(program)) return false;
  if (word.includes('/') && !/^(\.{1,2}|~|\$\w+|\/(usr\/)?s?bin|\/usr\/local\/s?bin)/.test(word)) return false;
  return argumentsLookLikeCommand(program, words[i + 1]);
}

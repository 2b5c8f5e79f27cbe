/** What the transcript splitter hands to the importer: captures cut out of a text input, and the text it kept aside. */
import type { TableName } from '../netfilter/ruleset';
import type { StateChange } from './transcript/command-selection';
import type { CaptureKind } from '../records/records';
import type { TextInput } from './text-input';
import type { StateChangeNote } from '../views/rulesets';

/** The command ran inside another network namespace (a netns, a pod, a container), not the node's own. */
export interface NamespaceContext {
  via: 'ip-netns' | 'nsenter' | 'docker' | 'kubectl' | 'crictl' | 'other';
  name: string;
}

/** One capture found in a text input. */
export interface CaptureUnit {
  /** Never 'pcap': packet capture files are not text. */
  kind: CaptureKind;
  /** From the shell prompt (or `ssh HOST cmd`), if any. Always null for kubectl output, which is cluster-wide. */
  node: string | null;
  /** Output of a command run inside another netns/pod/container. */
  namespace: NamespaceContext | null;
  /** The output's lines in the source file. */
  file: string;
  firstLine: number;
  lastLine: number;
  /** The command line that produced it, if known (continuation lines joined with a space). */
  command: string | null;
  /**
   * A fragment: piped through grep/head/tail/awk/sed/cut/sort/less, one chain (`iptables -L CHAIN`),
   * or one table of the ruleset (every `iptables -L`, `iptables-save -t T`), or an excerpt with elisions.
   */
  partial: boolean;
  /** Lines standing for left-out output (`...`, `<snip>`) were set aside from `input` (aside-lines.ts). */
  elided?: boolean;
  /**
   * The netfilter table the command names for an `iptables -L` / `iptables -S` listing (`-t nat`; filter when
   * it names none) or an `iptables-save -t T` dump; null when the command is not known.
   */
  table: TableName | null;
  /** The output text for the parser, with its real first line number. */
  input: TextInput;
  /**
   * Commands typed since the previous capture of the same node and namespace in this file that change
   * the node's state (`iptables -A`, `ip route add`, `systemctl restart kube-proxy`, `kubectl apply`).
   */
  changedBy?: StateChangeNote[];
  /**
   * kubectl output: the namespace an earlier command of the transcript made the context's (`kubens NS`,
   * `kubectl config set-context --current --namespace=NS`), for a `kubectl get` without `-n` or `-A`.
   */
  kubeNamespace?: string;
}

export type { StateChangeNote };

/** Text that is not a capture natlens reads, kept as text with the reason. */
export interface TextBlock {
  node: string | null;
  file: string;
  firstLine: number;
  lastLine: number;
  command: string | null;
  reason: string;
}

export interface CaptureWarning {
  file: string;
  line: number;
  message: string;
}

export interface SplitResult {
  units: CaptureUnit[];
  kept: TextBlock[];
  warnings: CaptureWarning[];
}

/**
 * A dump's rule line taken from its bytes in one pass (capture/iptables/rule-bytes.ts vouches for it): the reader
 * counts it and appends it to its chain, the store's chunk gets its record copied from the bytes, and kube-proxy's
 * index reads the few values it needs from places in the bytes. No string is made for the line, nor a rule object;
 * a line it declines is read as text, as every line was before.
 */
import type { IptablesSaveReader } from '../capture/iptables/iptables-save';
import type { RuleBytes } from '../capture/iptables/rule-bytes';
import { parseRuleText } from '../capture/iptables/iptables-rule-text';
import { normaliseProtocol, parseCidr } from '../capture/iptables/iptables-values';
import type { RulesetTapeSink } from '../model/ruleset-tape';
import type { FrontendFacts, KubeProxyIndex, NatRuleFacts } from '../netfilter/kube-proxy';
import type { Match, Target } from '../netfilter/ruleset';

export class DumpRuleBytes {
  private readonly lex: RuleBytes;
  private readonly facts: BytesRuleFacts;

  constructor(
    private readonly reader: IptablesSaveReader,
    private readonly tapes: RulesetTapeSink,
    private readonly services: KubeProxyIndex,
  ) {
    if (reader.bytes === null) throw new Error('rule lines are taken from their bytes only by a reader of iptables-save that scans its rules (`later`)');
    this.lex = reader.bytes;
    this.facts = new BytesRuleFacts(reader.bytes);
  }

  /** Takes the line b[from, end) when it is a plain chain line (IptablesSaveReader.chainBytes); false: nothing done, read it as text. */
  takeChain(b: Buffer, from: number, end: number): boolean {
    return this.reader.chainBytes(b, from, end);
  }

  /** Takes the line b[from, end) when it is a rule RuleBytes vouches for; false: nothing done, read it as text. */
  take(b: Buffer, from: number, end: number): boolean {
    const { reader } = this;
    const at = reader.ruleBytes(b, from, end);
    if (at < 0) return false;
    const { lex } = this;
    const chain = lex.chainOrdinal;
    const chainName = reader.chainName(chain);
    const line = reader.lines;
    this.tapes.ruleBytes(chainName, at, chain, line, b, lex.countersFrom, lex.countersTo, lex.argsFrom, lex.end);
    const { facts } = this;
    facts.b = b;
    facts.line = line;
    facts.jump = lex.targetOrdinal < 0 ? null : reader.chainName(lex.targetOrdinal);
    this.services.facts(chainName, facts, chain, lex.targetOrdinal);
    return true;
  }
}

/** What kube-proxy's index reads of the rule just taken, from its bytes; strings only for what it asks for. */
class BytesRuleFacts implements NatRuleFacts {
  b: Buffer = Buffer.alloc(0);
  line = 0;
  jump: string | null = null;

  constructor(private readonly lex: RuleBytes) {}

  get comment(): string | null {
    const { lex } = this;
    return lex.commentFrom < 0 ? null : this.b.toString('latin1', lex.commentFrom, lex.commentTo);
  }

  get targetKind(): Target['kind'] {
    const { lex } = this;
    return lex.verdict ?? (lex.dnatFrom < 0 ? 'jump' : 'dnat');
  }

  get text(): string {
    return this.b.toString('latin1', this.lex.textFrom, this.lex.end);
  }

  matches(): readonly Match[] {
    return parseRuleText(this.text).matches;
  }

  target(): Target {
    const { lex } = this;
    if (lex.verdict !== null) return { kind: lex.verdict };
    if (lex.dnatFrom < 0) return { kind: 'jump', chain: this.jump! };
    const address = this.b.toString('latin1', lex.dnatFrom, lex.dnatColon);
    return { kind: 'dnat', to: [{ minAddress: address, maxAddress: address, ports: { min: lex.dnatPort, max: lex.dnatPort } }], random: false, persistent: false };
  }

  knownEndpoint(): string | undefined {
    const { lex, b } = this;
    if (lex.dnatFrom < 0) return undefined;
    // `ADDRESS:PORT` as addEndpoints writes it: the bytes themselves unless the port has a leading zero.
    return b[lex.dnatColon + 1] === 48 && lex.end - lex.dnatColon > 2 ? `${b.toString('latin1', lex.dnatFrom, lex.dnatColon)}:${lex.dnatPort}` : b.toString('latin1', lex.dnatFrom, lex.end);
  }

  knownFrontend(): FrontendFacts {
    const { lex, b } = this;
    return {
      address: lex.dstFrom < 0 ? null : parseCidr(b.toString('latin1', lex.dstFrom, lex.dstTo)).address,
      port: lex.dport < 0 ? null : lex.dport,
      proto: lex.protoFrom < 0 ? null : normaliseProtocol(b.toString('latin1', lex.protoFrom, lex.protoTo)),
    };
  }
}

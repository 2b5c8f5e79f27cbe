/**
 * Match and Target records equal in value, shared by the rules of one dump: kube-proxy writes the same jump,
 * protocol, comment and probability tens of thousands of times, and one record each keeps a large dump's
 * ruleset a fraction of the size. Shared records are never changed once read.
 */
import type { Match, Target } from '../../netfilter/ruleset';

export class RecordPool {
  private readonly jumps = new Map<string, Target>();
  private readonly comments = new Map<string, Match>();
  private readonly protocols = new Map<string, Match>();
  private readonly negatedProtocols = new Map<string, Match>();
  private readonly probabilities = new Map<string, Match>();

  jump(chain: string): Target {
    let t = this.jumps.get(chain);
    if (t === undefined) this.jumps.set(chain, (t = { kind: 'jump', chain }));
    return t;
  }

  comment(text: string): Match {
    let m = this.comments.get(text);
    if (m === undefined) this.comments.set(text, (m = { kind: 'comment', text }));
    return m;
  }

  protocol(proto: string, negated: boolean): Match {
    const pool = negated ? this.negatedProtocols : this.protocols;
    let m = pool.get(proto);
    if (m === undefined) pool.set(proto, (m = { kind: 'protocol', proto, negated }));
    return m;
  }

  /** `-m statistic --mode random --probability P`, keyed by P as written. */
  randomStatistic(written: string, probability: number, negated: boolean): Match {
    const key = negated ? `!${written}` : written;
    let m = this.probabilities.get(key);
    if (m === undefined) this.probabilities.set(key, (m = { kind: 'statistic', mode: 'random', probability, negated }));
    return m;
  }
}

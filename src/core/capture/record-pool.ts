/**
 * Match and Target records equal in value, shared by the rules of one dump: kube-proxy writes the same jump,
 * protocol, comment and probability tens of thousands of times, and one record each keeps a large dump's
 * ruleset a fraction of the size. Shared records are never changed once read.
 */
import type { Match, Target } from '../netfilter/ruleset';

const SHARED = new WeakSet<object>();

/** True for a record a pool handed out: a writer may serialise it once for all the rules that hold it. */
export function isSharedRecord(record: object): boolean {
  return SHARED.has(record);
}

function shared<T extends object>(record: T): T {
  SHARED.add(record);
  return record;
}

export class RecordPool {
  private readonly jumps = new Map<string, Target>();
  private readonly comments = new Map<string, Match>();
  private readonly protocols = new Map<string, Match>();
  private readonly negatedProtocols = new Map<string, Match>();
  private readonly probabilities = new Map<string, Match>();

  jump(chain: string): Target {
    let t = this.jumps.get(chain);
    if (t === undefined) this.jumps.set(chain, (t = shared<Target>({ kind: 'jump', chain })));
    return t;
  }

  comment(text: string): Match {
    let m = this.comments.get(text);
    if (m === undefined) this.comments.set(text, (m = shared<Match>({ kind: 'comment', text })));
    return m;
  }

  protocol(proto: string, negated: boolean): Match {
    const pool = negated ? this.negatedProtocols : this.protocols;
    let m = pool.get(proto);
    if (m === undefined) pool.set(proto, (m = shared<Match>({ kind: 'protocol', proto, negated })));
    return m;
  }

  /** `-m statistic --mode random --probability P`, keyed by P as written. */
  randomStatistic(written: string, probability: number, negated: boolean): Match {
    const key = negated ? `!${written}` : written;
    let m = this.probabilities.get(key);
    if (m === undefined) this.probabilities.set(key, (m = shared<Match>({ kind: 'statistic', mode: 'random', probability, negated })));
    return m;
  }
}

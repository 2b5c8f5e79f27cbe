/**
 * The statistic match (kube-proxy's random endpoint choice).
 * Its reader of iptables-save options (MatchModule) and, beside it, of what `iptables -L` prints for it.
 */
import { fail, parseNonNegativeInt, parseProbability } from '../iptables-values';
import { optionTable, type ListedMatchReader, type MatchModule } from './match-module';

/** `statistic mode random probability 0.5`, `statistic mode nth every 2 packet 0`. */
export const listStatistic: ListedMatchReader = (c, _w, _negated, out) => {
  if (c.peek() !== 'mode') return false;
  c.i++;
  const mode = c.need('statistic mode');
  let neg = false;
  if (c.peek() === '!') { neg = true; c.i++; }
  if (mode === 'random') {
    if (c.peek() !== 'probability') fail('statistic mode random needs a probability');
    c.i++;
    out.push({ kind: 'statistic', mode: 'random', probability: parseProbability(c.need('probability')), negated: neg });
    return true;
  }
  if (mode === 'nth') {
    if (c.peek() !== 'every') fail('statistic mode nth needs every');
    c.i++;
    const every = parseNonNegativeInt(c.need('every'));
    let packet = 0;
    if (c.peek() === 'packet') { c.i++; packet = parseNonNegativeInt(c.need('packet')); }
    out.push({ kind: 'statistic', mode: 'nth', every, packet, negated: neg });
    return true;
  }
  return fail(`unknown statistic mode "${mode}"`);
};

export const statistic: MatchModule = {
  options: optionTable([['--mode', 1], ['--probability', 1], ['--every', 1], ['--packet', 1]]),
  build: (opts, pool) => {
    const get = (name: string): string | undefined => opts.find((o) => o.name === name)?.values[0];
    const negated = opts.some((o) => o.negated);
    const mode = get('--mode');
    if (mode === 'random') {
      const p = get('--probability');
      if (p === undefined) fail('statistic --mode random needs --probability');
      const probability = parseProbability(p);
      return [pool === null ? { kind: 'statistic', mode: 'random', probability, negated } : pool.randomStatistic(p, probability, negated)];
    }
    if (mode === 'nth') {
      const every = get('--every');
      if (every === undefined) fail('statistic --mode nth needs --every');
      const packet = get('--packet');
      return [{ kind: 'statistic', mode: 'nth', every: parseNonNegativeInt(every), packet: packet === undefined ? 0 : parseNonNegativeInt(packet), negated }];
    }
    return fail(`statistic needs --mode random or nth`);
  },
};

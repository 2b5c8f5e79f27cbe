/** Rows of `ip_rules` (`ip rule`: the policy routing database). */
import type Database from 'better-sqlite3';
import type { RuleAction, RuleRecord } from '../../records/records';
import { flag } from './values';
import type { RowTick } from './row-tick';

export function insertIpRules(db: Database.Database, captureId: number, rules: readonly RuleRecord[], tick?: RowTick): void {
  const row = db.prepare(
    `INSERT INTO ip_rules (capture_id, family, priority, invert, src, dst, iif, oif, fwmark, fwmask, tos, other, action,
       suppress_prefix, suppress_ifgroup, flags, line)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  for (const r of rules) {
    row.run(
      captureId, r.family, r.priority, flag(r.not), r.from, r.to, r.iif, r.oif, r.fwmark, r.fwmask, r.tos,
      JSON.stringify(r.other), JSON.stringify(r.action), r.suppressPrefixLength, r.suppressIfgroup, JSON.stringify(r.flags), r.line,
    );
    tick?.();
  }
}

export function ipRulesOf(db: Database.Database, captureId: number): RuleRecord[] {
  const rows = db.prepare('SELECT * FROM ip_rules WHERE capture_id = ? ORDER BY id').all(captureId) as Array<Record<string, unknown>>;
  return rows.map((r) => ({
    family: r.family as 'ipv4' | 'ipv6',
    priority: r.priority as number,
    not: r.invert === 1,
    from: r.src as string | null,
    to: r.dst as string | null,
    iif: r.iif as string | null,
    oif: r.oif as string | null,
    fwmark: r.fwmark as number | null,
    fwmask: r.fwmask as number | null,
    tos: r.tos as number | null,
    other: JSON.parse(r.other as string) as string[],
    action: JSON.parse(r.action as string) as RuleAction,
    suppressPrefixLength: r.suppress_prefix as number | null,
    suppressIfgroup: r.suppress_ifgroup as string | null,
    flags: JSON.parse(r.flags as string) as string[],
    line: r.line as number,
  }));
}

/**
 * What the importer gets from a split text, after the transcript splitter: each unit with its elisions and
 * stray messages set aside (aside-lines.ts), each named in a warning; and the output of `ip route get`,
 * one lookup's answer, kept as text with a warning, so the route table is given no route it lacks.
 */
import { setAsideLines } from './aside-lines';
import type { CaptureUnit, SplitResult, TextBlock } from '../capture-unit';
import { describeLookups, isRouteLookup, isRouteLookupCommand, looksLikeRouteLookup, routeLookupsOf } from '../iproute/route-lookup';
import type { TextInput } from '../text-input';
import { appendAll } from '../../common/append-all';

const ROUTE_LOOKUP = 'a route lookup result (`ip route get`), not the route table';

export function tidySplit(input: TextInput, split: SplitResult): SplitResult {
  const warnings = [...split.warnings];
  const kept: TextBlock[] = [];
  // The warning carries the kernel's answers, the evidence the lookup holds.
  const lookup = (block: TextBlock, text: string): TextBlock => {
    const answers = block.lastLine - block.firstLine < 64 ? describeLookups(routeLookupsOf(text)) : '';
    warnings.push({ file: block.file, line: block.firstLine, message: `${ROUTE_LOOKUP}: kept as text${answers === '' ? '' : ` (the kernel's answer ${answers})`}` });
    return { ...block, reason: ROUTE_LOOKUP };
  };
  let lines: string[] | null = null;
  for (const block of split.kept) {
    const text = (): string => (lines ??= input.text.split(/\r\n|\r|\n/)).slice(block.firstLine - input.firstLine, block.lastLine - input.firstLine + 1).join('\n');
    const isLookup = (block.command !== null && isRouteLookupCommand(block.command)) || (block.lastLine - block.firstLine < 64 && looksLikeRouteLookup(text()));
    kept.push(isLookup ? lookup(block, text()) : block);
  }
  const units: CaptureUnit[] = [];
  for (const unit of split.units) {
    if (isRouteLookup(unit)) {
      kept.push(lookup({ node: unit.node, file: unit.file, firstLine: unit.firstLine, lastLine: unit.lastLine, command: unit.command, reason: '' }, unit.input.text));
      continue;
    }
    const { onLines } = input;
    const aside = setAsideLines(unit, onLines === undefined ? undefined : () => onLines(unit.firstLine));
    appendAll(warnings, aside.warnings);
    units.push(aside.unit);
  }
  warnings.sort((a, b) => a.line - b.line);
  kept.sort((a, b) => a.firstLine - b.firstLine);
  return { units, kept, warnings };
}

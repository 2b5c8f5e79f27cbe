/**
 * Every `natlens` command, once. To add one (trace, flows, report, serve): write
 * commands/<name>-command.ts exporting a CliCommand and list it here; main.ts, `--help` and
 * unknown-command handling pick it up.
 */
import type { CliCommand } from './command';
import { collectCommand } from './commands/collect-command';
import { findingsCommand } from './commands/findings-command';
import { flowsCommand } from './commands/flows-command';
import { importCommand } from './commands/import-command';
import { nodesCommand } from './commands/nodes-command';
import { reportCommand } from './commands/report-command';
import { rulesetsCommand } from './commands/rulesets-command';
import { serveCommand } from './commands/serve-command';
import { traceCommand } from './commands/trace-command';

export const COMMANDS: readonly CliCommand[] = [importCommand, nodesCommand, traceCommand, flowsCommand, findingsCommand, rulesetsCommand, reportCommand, serveCommand, collectCommand];

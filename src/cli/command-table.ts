/**
 * Every `natlens` command, once. To add one (trace, flows, report, serve): write
 * commands/<name>-command.ts exporting a CliCommand and list it here with its summary; main.ts, `--help` and
 * unknown-command handling pick it up. Each module is imported when its command runs (see CommandEntry).
 */
import type { CommandEntry } from './command';

export const COMMANDS: readonly CommandEntry[] = [
  { name: 'import', summary: 'import captures, transcripts and pcaps into the project', load: async () => (await import('./commands/import-command')).importCommand },
  { name: 'nodes', summary: 'list nodes, their interfaces, routes and captures', load: async () => (await import('./commands/nodes-command')).nodesCommand },
  { name: 'trace', summary: 'replay a packet through the captured rules and routes', load: async () => (await import('./commands/trace-command')).traceCommand },
  { name: 'flows', summary: 'stitch packets and conntrack into NAT-aware flows across interfaces and nodes', load: async () => (await import('./commands/flows-command')).flowsCommand },
  { name: 'findings', summary: 'list what is wrong in the project, with the rules, packets and replay that prove it', load: async () => (await import('./commands/findings-command')).findingsCommand },
  { name: 'rulesets', summary: "show what changed between a node's iptables captures", load: async () => (await import('./commands/rulesets-command')).rulesetsCommand },
  { name: 'report', summary: 'write a report (html, md, pdf or json) of nodes, services, findings and flows', load: async () => (await import('./commands/report-command')).reportCommand },
  { name: 'serve', summary: 'serve the UI on 127.0.0.1 (web mode)', load: async () => (await import('./commands/serve-command')).serveCommand },
  { name: 'collect', summary: "print the collector script that gathers a node's network state into one tarball", load: async () => (await import('./commands/collect-command')).collectCommand },
];

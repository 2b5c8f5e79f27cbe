/** Bundles `entry` into `outfile` as scripts/build-cli.mjs bundles the CLI; `sourcemap` adds a linked map beside it. */
export function bundleForNode(entry: string, outfile: string, options?: { sourcemap?: boolean }): Promise<unknown>;

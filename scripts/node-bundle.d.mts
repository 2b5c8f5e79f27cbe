/** Bundles `entry` into `outfile` as scripts/build-cli.mjs bundles the CLI; `sourcemap` adds a linked map beside it. */
export function bundleForNode(entry: string, outfile: string, options?: { sourcemap?: boolean }): Promise<unknown>;

/** An input of esbuild's metafile: its imports, each with its resolved path and kind. */
export interface BundleInput { imports: Array<{ path: string; kind: string; external?: boolean }> }
/** What bundling `entry` (relative to `root`) would read, as esbuild's metafile inputs; nothing is written. */
export function bundleInputs(entry: string, root: string): Promise<Record<string, BundleInput>>;

/** `source` with every non-ASCII character written as a \u escape (see node-bundle.mjs); throws for one after a backslash. */
export function asciiOnly(source: string): string;

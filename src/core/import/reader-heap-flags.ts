/**
 * V8's allocation-site pretenuring switched off while a dump reader thread runs. The reader keeps much of what it
 * allocates (chain records, kube-proxy's gists and endpoint lists); V8 then decides, site by site, to allocate
 * those in the old generation, and every such decision throws away the optimized code that allocates there
 * ("code dependencies": `chain`, `sinkChain`, `chainLine`, `facts`, `addEndpoints`, `serviceFor` ..., 16 of the 170k
 * dump's ~30 deoptimizations), which TurboFan then compiles again on V8's helper threads. Without pretenuring the
 * survivors are copied by the scavenger once more instead: measured less CPU in all (docs/benchmarks.md, "what V8
 * compiles during a dump import"). V8 flags are process-wide (workers cannot have their own), so the flag is held
 * while any reader thread of this process runs and given back when the last one ends. The flag is read by the heap
 * at each garbage collection; it is not part of the code cache's flag hash (cached bytecode stays accepted).
 */
import v8 from 'node:v8';

let holders = 0;

/** Switches pretenuring off until every holder has called the function returned (once; later calls do nothing). */
export function holdReaderHeapFlags(): () => void {
  if (holders++ === 0) v8.setFlagsFromString('--no-allocation-site-pretenuring');
  let held = true;
  return () => {
    if (!held) return;
    held = false;
    if (--holders === 0) v8.setFlagsFromString('--allocation-site-pretenuring');
  };
}

/** How many reader threads hold the flag (tests). */
export const readerHeapFlagHolders = (): number => holders;

/**
 * The collector an engineer runs on a node (resources/collect.sh, CONTRACT.md `collect`), inlined into
 * every build so that `natlens collect --print` needs no file beside the bundle.
 */
import script from '../../../resources/collect.sh?raw';

export const COLLECTOR_SCRIPT: string = script;

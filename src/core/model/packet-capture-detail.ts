/**
 * What the captures table's `detail` JSON says about a packet capture (pcap, pcapng, tcpdump text):
 * what the reader found (link types, interface names, how a text's times read) and what the import
 * knew beside the packets (`import --interface`, the file's modification time). Flow stitching reads
 * it to name interfaces and to place times that carry no date.
 */
import type { TcpdumpClock } from '../capture/tcpdump-text/timestamp';

export interface PacketCaptureDetail {
  linkTypes: number[];
  interfaces: string[];
  /** tcpdump text only: how its times read (`time-of-day` carries no date). */
  clock?: TcpdumpClock;
  /** `natlens import --interface IFACE`: the interface every packet of the capture was taken on, when nothing better says. */
  interface?: string;
  /**
   * The interface a person chose for the capture in the UI (`setCaptureInterface`): it outranks the command and the
   * file name, which may be guesses; only an interface the packets name themselves wins over it.
   */
  chosenInterface?: string;
  /** ISO-8601 modification time of the file the capture was read from, when it was a file on disk. */
  fileModifiedAt?: string;
}

const CLOCKS: ReadonlySet<string> = new Set<TcpdumpClock>(['epoch', 'date-time', 'time-of-day', 'since-first', 'delta', 'none']);

/** Reads a stored detail (null or not an object: an empty one); fields of the wrong type are left out. */
export function packetCaptureDetail(json: string | null): PacketCaptureDetail {
  const out: PacketCaptureDetail = { linkTypes: [], interfaces: [] };
  if (json === null) return out;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return out;
  }
  if (typeof value !== 'object' || value === null) return out;
  const v = value as Record<string, unknown>;
  if (Array.isArray(v.linkTypes)) out.linkTypes = v.linkTypes.filter((x): x is number => typeof x === 'number');
  if (Array.isArray(v.interfaces)) out.interfaces = v.interfaces.filter((x): x is string => typeof x === 'string');
  if (typeof v.clock === 'string' && CLOCKS.has(v.clock)) out.clock = v.clock as TcpdumpClock;
  if (typeof v.interface === 'string' && v.interface !== '') out.interface = v.interface;
  if (typeof v.chosenInterface === 'string' && v.chosenInterface !== '') out.chosenInterface = v.chosenInterface;
  if (typeof v.fileModifiedAt === 'string' && !Number.isNaN(Date.parse(v.fileModifiedAt))) out.fileModifiedAt = v.fileModifiedAt;
  return out;
}

/**
 * The stored detail with the chosen interface set (a name) or removed (null), every other field kept as stored,
 * those this version does not read included.
 */
export function withChosenInterface(json: string | null, iface: string | null): string {
  let value: unknown = null;
  try {
    value = json === null ? null : JSON.parse(json);
  } catch {
    value = null;
  }
  const fields: Record<string, unknown> = typeof value === 'object' && value !== null && !Array.isArray(value) ? { ...(value as Record<string, unknown>) } : {};
  if (iface === null) delete fields.chosenInterface;
  else fields.chosenInterface = iface;
  return JSON.stringify(fields);
}

/** The modification time of `file` as ISO-8601, or undefined when it cannot be read. */
export function fileModifiedAt(stat: (file: string) => { mtimeMs: number }, file: string): string | undefined {
  try {
    return new Date(stat(file).mtimeMs).toISOString();
  } catch {
    return undefined;
  }
}

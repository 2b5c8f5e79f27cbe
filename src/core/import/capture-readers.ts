/**
 * The parsers the import pipeline drives, as one interface: the pipeline owns files, nodes and
 * transactions; the capture layer owns formats. Tests hand in stand-ins; faces pass
 * `captureReaders` from ./default-readers.
 */
import type { CaptureUnit, SplitResult } from '../capture/capture-unit';
import type { ConntrackEntry, PacketCaptureSummary, PacketSink, ParsedCapture } from '../records/records';
import type { ConntrackSummary } from '../capture/conntrack/conntrack';
import type { TextInput } from '../capture/text-input';
import type { RulesetTape } from '../model/ruleset-tape';
import type { DumpFileRead } from './dump-file-read';
import type { ReadPacketOptions } from '../capture/pcap/read-packet-capture';

export interface CaptureReaders {
  /** True when the first bytes of a file are a pcap or pcapng header. */
  isPacketCapture(head: Uint8Array): boolean;
  /**
   * Streams every packet of a pcap/pcapng file into `sink`; throws CaptureError. `onBytes` gets every byte of the
   * file exactly once, in order, before it returns: the import hashes the file as it is read. With `reuseRecords`
   * the sink is handed one record object, set afresh for each frame, and must keep nothing of it.
   */
  readPacketCapture(
    file: string,
    sink: PacketSink,
    onProgress?: (bytesRead: number, totalBytes: number) => void,
    onBytes?: (bytes: Uint8Array) => void,
    options?: ReadPacketOptions,
  ): PacketCaptureSummary;
  /** Cuts a text input (one capture, a transcript, a Markdown document) into capture units. */
  splitTextCapture(input: TextInput): SplitResult;
  /** Parses a unit of any kind but tcpdump-text; throws CaptureError. */
  parseCaptureUnit(unit: CaptureUnit): ParsedCapture;
  /**
   * Streams the entries of a conntrack unit into `sink`; throws CaptureError. Without it a conntrack unit is read
   * whole by parseCaptureUnit, then stored.
   */
  parseConntrackUnit?(unit: CaptureUnit, sink: (entry: ConntrackEntry) => void): ConntrackSummary;
  /** Streams the packets of a tcpdump-text unit into `sink`; throws CaptureError. */
  parseTcpdumpUnit(unit: CaptureUnit, sink: PacketSink): PacketCaptureSummary;
  /**
   * Reads a file that is one plain iptables-save dump into ruleset tapes as it goes (see dump-file-read.ts);
   * `not-plain` sends the file down the text path. Without it every text file is read whole.
   */
  readDumpFile?(readPath: string, shownAs: string, size: number, onTape: (tape: RulesetTape) => void, onBytes?: (bytesRead: number) => void): DumpFileRead;
}

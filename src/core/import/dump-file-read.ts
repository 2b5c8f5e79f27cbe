/**
 * Reads a file that is one iptables-save dump, start to end, in fixed-size pieces: rules become ruleset
 * tapes as they are read, so memory stays bounded whatever the file's size, and the file is hashed on
 * the way. Only a plain dump is read so (ASCII, LF line breaks, rules appended in order, no text around
 * it); for anything else, or any error, the answer is `not-plain` and the importer reads the file as text,
 * which says precisely what is wrong with it.
 */
import { isAscii } from 'node:buffer';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { IptablesSaveReader, type IptablesSaveSummary } from '../capture/iptables-save';
import { KubeProxyIndex } from '../netfilter/kube-proxy';
import type { RulesetSink } from '../netfilter/ruleset-sink';
import { RulesetTapeSink, type RulesetTape } from '../model/ruleset-tape';
import { kubeProxyRecords, type KubeProxyRecords } from './kube-proxy-records';

export type DumpFileRead =
  | {
      kind: 'dump';
      summary: IptablesSaveSummary;
      /** sha256 of the file, and of the capture in it: its first to last non-blank line, without the final line break. */
      fileHash: string;
      captureHash: string;
      firstLine: number;
      lastLine: number;
      kubeProxy: KubeProxyRecords;
    }
  | { kind: 'not-plain'; reason: string };

const PIECE_BYTES = 1 << 20;

export function readDumpFile(readPath: string, shownAs: string, onTape: (tape: RulesetTape) => void, onBytes?: (bytesRead: number) => void): DumpFileRead {
  let fd: number | null = null;
  try {
    fd = fs.openSync(readPath, 'r');
    return readPieces(fd, shownAs, onTape, onBytes);
  } catch (e) {
    return { kind: 'not-plain', reason: e instanceof Error ? e.message : String(e) };
  } finally {
    if (fd !== null) fs.closeSync(fd);
  }
}

class NotPlain extends Error {}

function readPieces(fd: number, shownAs: string, onTape: (tape: RulesetTape) => void, onBytes?: (bytesRead: number) => void): DumpFileRead {
  const tapes = new RulesetTapeSink(onTape);
  const services = new KubeProxyIndex();
  const sink: RulesetSink = {
    table: (name, line) => (tapes.table(name, line), services.table(name)),
    chain: (head) => (tapes.chain(head), services.chain(head)),
    rule: (chain, at, rule) => (tapes.rule(chain, at, rule), services.rule(chain, at, rule)),
    commit: () => (tapes.commit(), services.commit()),
  };
  const reader = new IptablesSaveReader(shownAs, 1, sink);
  const fileHash = createHash('sha256');
  const captureHash = createHash('sha256');
  const piece = Buffer.allocUnsafe(PIECE_BYTES);
  let carry = '';
  let bytesRead = 0;
  let firstLine = 0;
  let lastLine = 0;
  // The capture's bytes not hashed yet: line breaks and blank lines after its last non-blank line so far.
  let pendingBlank = '';
  let eof = false;
  while (!eof) {
    const n = fs.readSync(fd, piece, 0, PIECE_BYTES, null);
    eof = n === 0;
    const bytes = piece.subarray(0, n);
    if (!isAscii(bytes)) throw new NotPlain('not ASCII');
    if (bytes.includes(13) || bytes.includes(0)) throw new NotPlain('CR or NUL bytes');
    fileHash.update(bytes);
    bytesRead += n;
    const text = carry + bytes.toString('latin1');
    let from = 0;
    // Where the capture's unhashed bytes start in `text`, and where its last non-blank line here ends.
    let hashFrom = 0;
    let contentEnd = -1;
    for (;;) {
      let stop = text.indexOf('\n', from);
      if (stop < 0) {
        if (!eof || from >= text.length) break;
        stop = text.length;
      }
      reader.line(text, from, stop);
      if (!isBlank(text, from, stop)) {
        if (firstLine === 0) {
          firstLine = reader.lines;
          hashFrom = from;
        }
        lastLine = reader.lines;
        contentEnd = stop;
      }
      from = stop + 1;
    }
    const linesEnd = Math.min(from, text.length);
    if (firstLine !== 0) {
      if (contentEnd >= 0) {
        captureHash.update(pendingBlank, 'latin1');
        captureHash.update(text.slice(hashFrom, contentEnd), 'latin1');
        pendingBlank = '';
        hashFrom = contentEnd;
      }
      pendingBlank += text.slice(hashFrom, linesEnd);
    }
    carry = text.slice(linesEnd);
    onBytes?.(bytesRead);
  }
  const summary = reader.finish();
  tapes.flush();
  return {
    kind: 'dump', summary, fileHash: fileHash.digest('hex'), captureHash: captureHash.digest('hex'), firstLine, lastLine,
    kubeProxy: kubeProxyRecords(services.services()),
  };
}

function isBlank(text: string, from: number, stop: number): boolean {
  for (let i = from; i < stop; i++) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9) return false;
  }
  return true;
}

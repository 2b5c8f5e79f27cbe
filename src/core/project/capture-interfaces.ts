/**
 * The interface each packet capture was taken on, as the project knows it, and the one use case that changes it:
 * a person choosing the interface of a capture whose packets do not name it (`setCaptureInterface`). The choice
 * is stored in the capture's detail and the flows are stitched again with it.
 */
import type { CaptureInterfaces, InterfaceNaming } from '../flows/capture-interface';
import { interfaceNamer, stitchFlows } from './flows-stitch';
import { FlowStore, type PacketCaptureRow } from '../model/flow-store';
import { withChosenInterface } from '../model/packet-capture-detail';
import type { Store } from '../model/store';

/** Linux's limit (IFNAMSIZ - 1) and its refusals (dev_valid_name): no whitespace, `/` or `:`, not `.` or `..`. */
const INTERFACE_NAME = /^(?!\.\.?$)[^\s/:]{1,15}$/;

export function isInterfaceName(name: string): boolean {
  return INTERFACE_NAME.test(name);
}

export interface CaptureInterfaceView extends InterfaceNaming {
  captureId: number;
  /** Interfaces the packets name themselves (pcapng, `tcpdump -i any`): when there are any, nothing is chosen. */
  named: string[];
}

/** Every packet capture's interface, by capture id. */
export function captureInterfaces(store: Store): Map<number, CaptureInterfaceView> {
  const out = new Map<number, CaptureInterfaceView>();
  const namer = interfaceNamer(store);
  for (const c of new FlowStore(store).packetCaptures()) out.set(c.id, viewOf(c, namer(c)));
  return out;
}

export type SetCaptureInterfaceResult =
  | { kind: 'set'; view: CaptureInterfaceView }
  | { kind: 'not-found' }
  | { kind: 'not-packets'; captureKind: string }
  | { kind: 'invalid-name'; name: string };

/** Stores `iface` as the capture's chosen interface (null: forgets the choice), then stitches the flows again. */
export function setCaptureInterface(store: Store, captureId: number, iface: string | null): SetCaptureInterfaceResult {
  if (iface !== null && !isInterfaceName(iface)) return { kind: 'invalid-name', name: iface };
  const flows = new FlowStore(store);
  const capture = store.capture(captureId);
  if (capture === null) return { kind: 'not-found' };
  if (capture.kind !== 'pcap' && capture.kind !== 'tcpdump-text') return { kind: 'not-packets', captureKind: capture.kind };
  store.transaction(() => flows.setCaptureDetail(captureId, withChosenInterface(capture.detail, iface)));
  // The chosen interface is part of the capture generation, so this stitches again.
  stitchFlows(store);
  const row = flows.packetCaptures().find((c) => c.id === captureId);
  if (row === undefined) return { kind: 'not-found' };
  return { kind: 'set', view: viewOf(row, interfaceNamer(store)(row)) };
}

function viewOf(c: PacketCaptureRow, interfaces: CaptureInterfaces): CaptureInterfaceView {
  return { captureId: c.id, ...interfaces.of(null), named: c.detail.interfaces };
}

import type { PacketLine } from '../view-model/trace-outcome';

/** `tcp 10.40.1.3:40001 → 10.96.0.10:80`, with the fields a rewrite changed marked. */
export function PacketText({ packet }: { packet: PacketLine }) {
  const [proto, src, sport, dst, dport] = packet.fields;
  const part = (f: typeof proto) => (f === undefined || f.text === '' ? null : f.changed ? <mark title={`${f.name} rewritten`}>{f.text}</mark> : <span>{f.text}</span>);
  const bracket = (f: typeof src) => f !== undefined && f.text.includes(':');
  const end = (ip: typeof src, port: typeof sport) => (
    <>
      {port !== undefined && port.text !== '' && bracket(ip) ? '[' : ''}
      {part(ip)}
      {port !== undefined && port.text !== '' ? (
        <>
          {bracket(ip) ? ']' : ''}:{part(port)}
        </>
      ) : null}
    </>
  );
  return (
    <span className="packet mono" aria-label={packet.text}>
      {part(proto)} {end(src, sport)} → {end(dst, dport)}
    </span>
  );
}

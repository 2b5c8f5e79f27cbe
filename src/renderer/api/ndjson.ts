/** Reads a stream of newline-delimited JSON, yielding each value as its line completes. */
export async function* readNdjson(body: ReadableStream<Uint8Array>): AsyncGenerator<unknown> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffered = '';
  for (;;) {
    const { done, value } = await reader.read();
    buffered += done ? decoder.decode() : decoder.decode(value, { stream: true });
    let newline = buffered.indexOf('\n');
    while (newline >= 0) {
      const line = buffered.slice(0, newline).trim();
      buffered = buffered.slice(newline + 1);
      if (line !== '') yield JSON.parse(line) as unknown;
      newline = buffered.indexOf('\n');
    }
    if (done) break;
  }
  if (buffered.trim() !== '') yield JSON.parse(buffered) as unknown;
}

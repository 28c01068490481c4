/**
 * Reads a child's stdout of JSON lines (`kjo serve`, `kjo run -o jsonl`) into
 * an array as they come, for tests that look at the lines while the child
 * still runs.
 *
 * @module
 */

/** Parses each line of `stream` as JSON and pushes it to `into`; resolves at the end of the stream. */
export async function collectJsonLines<T>(
  stream: ReadableStream<Uint8Array>,
  into: T[],
): Promise<void> {
  let buffer = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    buffer += chunk;
    let newline;
    while ((newline = buffer.indexOf("\n")) >= 0) {
      into.push(JSON.parse(buffer.slice(0, newline)));
      buffer = buffer.slice(newline + 1);
    }
  }
}

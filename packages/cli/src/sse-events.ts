/** Server-sent events for the CLI: framing by eventsource-parser (the client SDK's parser), over a fetch body or Node stream. */
import { createParser } from "eventsource-parser";

export interface SseEvent {
  event: string;
  data: string;
  id?: string;
}

/** Returns a feed function: text goes in, each complete event comes out through `onEvent`. */
export function sseDecoder(onEvent: (e: SseEvent) => void): (text: string) => void {
  const parser = createParser({
    onEvent: (m) =>
      onEvent({ event: m.event ?? "message", data: m.data, ...(m.id !== undefined ? { id: m.id } : {}) }),
  });
  return (text) => parser.feed(text);
}

export async function* sseEvents(
  body: ReadableStream<Uint8Array>,
  signal?: AbortSignal,
): AsyncGenerator<SseEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const ready: SseEvent[] = [];
  const feed = sseDecoder((e) => ready.push(e));
  const cancel = () => void reader.cancel().catch(() => undefined);
  signal?.addEventListener("abort", cancel, { once: true });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      feed(decoder.decode(value, { stream: true }));
      yield* ready.splice(0);
    }
  } catch (err) {
    if (!signal?.aborted) throw err;
  } finally {
    signal?.removeEventListener("abort", cancel);
    cancel();
  }
}

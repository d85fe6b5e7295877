/**
 * A word-level, order-2 Markov chain: the "model" of the token-streaming example.
 * Trained from plain text; generation is driven by a seeded PRNG so the same prompt
 * always produces the same tokens.
 */

/** mulberry32: tiny, fast, good enough for sampling; not for anything security-related. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a over UTF-16 code units: turns a prompt into a 32-bit seed. */
export function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

const keyOf = (a: string, b: string): string => `${a}\u0000${b}`;
const endsSentence = (word: string): boolean => /[.!?]$/.test(word);

export class MarkovChain {
  /** "w1\0w2" → every word seen after that pair (duplicates keep the frequencies). */
  private readonly next = new Map<string, string[]>();
  /** First two words of every sentence: where generation starts when the prompt gives no anchor. */
  private readonly starts: Array<[string, string]> = [];
  /** w → every word seen after w, to re-anchor on the prompt's last word alone. */
  private readonly afterWord = new Map<string, string[]>();
  readonly wordCount: number;

  constructor(text: string) {
    const words = text.split(/\s+/).filter((w) => w !== "");
    if (words.length < 3) throw new Error("corpus needs at least three words");
    this.wordCount = words.length;
    for (let i = 0; i + 2 < words.length; i++) {
      const [a, b, c] = [words[i]!, words[i + 1]!, words[i + 2]!];
      push(this.next, keyOf(a, b), c);
      if (i === 0 || endsSentence(words[i - 1]!)) this.starts.push([a, b]);
    }
    for (let i = 0; i + 1 < words.length; i++) push(this.afterWord, words[i]!, words[i + 1]!);
  }

  get stateCount(): number {
    return this.next.size;
  }

  /**
   * Yields up to `maxTokens` words continuing `prompt`. Deterministic: the seed is the prompt itself.
   * Continues from the prompt's last two (or last one) words when the corpus knows them,
   * otherwise starts a fresh sentence.
   */
  *generate(prompt: string, maxTokens: number): Generator<string> {
    const random = seededRandom(hashString(prompt));
    const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
    let { state, pending } = this.anchor(
      prompt.split(/\s+/).filter((w) => w !== ""),
      pick,
    );
    // Queued words already belong to `state`; sampled words advance it.
    const queue = [...pending];
    for (let emitted = 0; emitted < maxTokens; emitted++) {
      let word = queue.shift();
      while (word === undefined) {
        const options = this.next.get(keyOf(state[0], state[1]));
        if (options) {
          word = pick(options);
          state = [state[1], word];
        } else {
          // The last pair of the corpus has no successor: begin a new sentence.
          ({ state, pending } = this.freshStart(pick));
          queue.push(...pending);
          word = queue.shift();
        }
      }
      yield word;
    }
  }

  /**
   * Where to start: the prompt's last two words if the corpus knows that pair, else its last word
   * followed by a word seen after it, else the start of a random sentence. `pending` are words
   * that belong to the continuation and must be emitted before sampling.
   */
  private anchor(words: string[], pick: Picker): { state: [string, string]; pending: string[] } {
    const last = words.at(-1);
    const beforeLast = words.at(-2);
    if (last === undefined) return this.freshStart(pick);
    if (beforeLast !== undefined && this.next.has(keyOf(beforeLast, last))) {
      return { state: [beforeLast, last], pending: [] };
    }
    for (const word of [last, last.toLowerCase()]) {
      const known = (this.afterWord.get(word) ?? []).filter((next) => this.next.has(keyOf(word, next)));
      if (known.length > 0) {
        const next = pick(known);
        return { state: [word, next], pending: [next] };
      }
    }
    return this.freshStart(pick);
  }

  private freshStart(pick: Picker): { state: [string, string]; pending: string[] } {
    const state = pick(this.starts);
    return { state, pending: [...state] };
  }
}

type Picker = <T>(list: readonly T[]) => T;

function push(map: Map<string, string[]>, key: string, value: string): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/**
 * GPT-2's reversible byte <-> unicode mapping. Hugging Face's ByteLevel tokenizers store every
 * token as a string in which each byte is one printable character (space is "Ġ", newline "Ċ"), so
 * vocab keys and merge rules never contain whitespace or control characters. Printable Latin-1
 * bytes map to themselves; the other 68 bytes map, in byte order, to U+0100 onwards.
 */

function isPrintableLatin1(byte: number): boolean {
  return (
    (byte >= 0x21 && byte <= 0x7e) ||
    (byte >= 0xa1 && byte <= 0xac) ||
    (byte >= 0xae && byte <= 0xff)
  );
}

function buildByteToUnicode(): string[] {
  const table: string[] = [];
  let next = 0;
  for (let byte = 0; byte < 256; byte++) {
    table.push(String.fromCharCode(isPrintableLatin1(byte) ? byte : 256 + next++));
  }
  return table;
}

/** `BYTE_TO_UNICODE[b]` is the one-character spelling of byte `b`. */
export const BYTE_TO_UNICODE: readonly string[] = buildByteToUnicode();

/** Inverse of {@link BYTE_TO_UNICODE}. */
export const UNICODE_TO_BYTE: ReadonlyMap<string, number> = new Map(
  BYTE_TO_UNICODE.map((char, byte) => [char, byte]),
);

/** Spells a byte string the way `tokenizer.json` stores it. */
export function bytesToTokenString(bytes: ArrayLike<number>): string {
  let text = '';
  for (let i = 0; i < bytes.length; i++) text += BYTE_TO_UNICODE[bytes[i]];
  return text;
}

/** Reads a `tokenizer.json` token spelling back into bytes; `undefined` if it is not one. */
export function tokenStringToBytes(token: string): Uint8Array | undefined {
  const bytes = new Uint8Array(token.length);
  for (let i = 0; i < token.length; i++) {
    const byte = UNICODE_TO_BYTE.get(token[i]);
    if (byte === undefined) return undefined;
    bytes[i] = byte;
  }
  return bytes;
}

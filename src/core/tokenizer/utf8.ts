/**
 * UTF-8 helpers shared by both tokenizers. The decoder is non-fatal on purpose: a model can emit any
 * id sequence, including half a multi-byte character, and decoding must show U+FFFD, not throw.
 */
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

export function utf8Encode(text: string): Uint8Array {
  return encoder.encode(text);
}

export function utf8Decode(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/** Bytes shown for an id that names no token: U+FFFD, like any other undecodable input. */
export const REPLACEMENT_BYTES: Uint8Array = utf8Encode('\uFFFD');

/**
 * Concatenates the bytes of each id and decodes them as UTF-8 in one go, so a character split over
 * two tokens decodes whole.
 */
export function decodeTokenBytes(
  ids: ArrayLike<number>,
  bytesOf: (id: number) => Uint8Array,
): string {
  const parts: Uint8Array[] = new Array(ids.length);
  let length = 0;
  for (let i = 0; i < ids.length; i++) {
    parts[i] = bytesOf(ids[i]);
    length += parts[i].length;
  }
  const joined = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.length;
  }
  return utf8Decode(joined);
}

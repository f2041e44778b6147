/**
 * A WebSocket client written against the bytes (RFC 6455), so tests can send what no library
 * would: unmasked frames, invalid UTF-8, oversized payloads and control frames, any Host header.
 */
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

export interface RawConnection {
  socket: Socket;
  /** The HTTP status line of the handshake answer, e.g. `HTTP/1.1 101 Switching Protocols`. */
  status: string;
  /** Resolves when the server has closed the TCP connection. */
  closed: Promise<void>;
  /** Every byte received after the handshake answer. */
  received(): Buffer;
}

export interface HandshakeOptions {
  port: number;
  path: string;
  host?: string;
  origin?: string;
}

/** Opens a TCP connection to loopback and sends an upgrade request; resolves on the answer. */
export function rawHandshake(options: HandshakeOptions): Promise<RawConnection> {
  return new Promise((resolve, reject) => {
    const socket = connect(options.port, '127.0.0.1');
    let buffer = Buffer.alloc(0);
    let answered = false;
    const closed = new Promise<void>((done) => socket.once('close', () => done()));
    socket.on('error', () => {});
    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (answered) return;
      const end = buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      answered = true;
      const status = buffer.subarray(0, buffer.indexOf('\r\n')).toString('latin1');
      buffer = buffer.subarray(end + 4);
      resolve({ socket, status, closed, received: () => buffer });
    });
    socket.once('close', () => {
      if (!answered) reject(new Error('closed before the handshake was answered'));
    });
    const lines = [
      `GET ${options.path} HTTP/1.1`,
      `Host: ${options.host ?? `127.0.0.1:${options.port}`}`,
      'Upgrade: websocket',
      'Connection: Upgrade',
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
      'Sec-WebSocket-Version: 13',
      ...(options.origin !== undefined ? [`Origin: ${options.origin}`] : []),
    ];
    socket.write(`${lines.join('\r\n')}\r\n\r\n`);
  });
}

export interface FrameOptions {
  /** 0x1 text, 0x2 binary, 0x8 close, 0x9 ping, 0xA pong. */
  opcode: number;
  payload: Buffer;
  /** Clients must mask; false sends the payload in the clear (a protocol error). */
  mask?: boolean;
  /** Announce this length instead of the payload's (to claim a huge frame cheaply). */
  declaredLength?: number;
}

/** One final frame, bytes as RFC 6455 section 5.2 lays them out. */
export function frame({ opcode, payload, mask = true, declaredLength }: FrameOptions): Buffer {
  const length = declaredLength ?? payload.length;
  const head: number[] = [0x80 | opcode];
  const maskBit = mask ? 0x80 : 0;
  if (length < 126) head.push(maskBit | length);
  else if (length < 65536) head.push(maskBit | 126, length >> 8, length & 0xff);
  else {
    head.push(maskBit | 127);
    const big = Buffer.alloc(8);
    big.writeBigUInt64BE(BigInt(length));
    head.push(...big);
  }
  if (!mask) return Buffer.concat([Buffer.from(head), payload]);
  const key = randomBytes(4);
  const masked = Buffer.from(payload.map((byte, i) => byte ^ key[i % 4]));
  return Buffer.concat([Buffer.from(head), key, masked]);
}

/** The close code in a close frame the server sent (unmasked), or null if none arrived. */
export function closeCode(bytes: Buffer): number | null {
  let at = 0;
  while (at + 2 <= bytes.length) {
    const opcode = bytes[at] & 0x0f;
    let length = bytes[at + 1] & 0x7f;
    let start = at + 2;
    if (length === 126) {
      length = bytes.readUInt16BE(at + 2);
      start += 2;
    } else if (length === 127) {
      length = Number(bytes.readBigUInt64BE(at + 2));
      start += 8;
    }
    if (opcode === 0x8) return length >= 2 ? bytes.readUInt16BE(start) : null;
    at = start + length;
  }
  return null;
}

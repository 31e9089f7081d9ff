/**
 * A minimal DER reader, enough to walk an X.509 certificate's tbsCertificate. Node's
 * X509Certificate exposes names only as display strings and does not expose basicConstraints
 * or keyUsage, and node-forge cannot parse certificates with EC or DSA keys.
 */

/** One DER element: its tag byte, the content bytes and the whole encoding. */
export interface DerElement {
  readonly tag: number;
  readonly content: Buffer;
  readonly encoded: Buffer;
}

export const TAG = {
  boolean: 0x01,
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  oid: 0x06,
  sequence: 0x30,
  set: 0x31,
} as const;

/** Reads the element that starts at `offset`, rejecting indefinite or truncated lengths. */
export function readElement(buffer: Buffer, offset = 0): DerElement {
  const tag = buffer[offset];
  const first = buffer[offset + 1];
  if (tag === undefined || first === undefined) {
    throw new Error(`DER: truncated element at offset ${offset}`);
  }
  if ((tag & 0x1f) === 0x1f) {
    throw new Error(`DER: multi-byte tag at offset ${offset} is not supported`);
  }

  let length = first;
  let header = 2;
  if (first & 0x80) {
    const count = first & 0x7f;
    if (count === 0 || count > 4) {
      throw new Error(`DER: invalid length encoding at offset ${offset}`);
    }
    length = 0;
    for (let i = 0; i < count; i++) {
      length = length * 256 + (buffer[offset + 2 + i] ?? 0);
    }
    header += count;
  }

  const end = offset + header + length;
  if (end > buffer.length) {
    throw new Error(`DER: element at offset ${offset} runs past the end of its container`);
  }
  return {
    tag,
    content: buffer.subarray(offset + header, end),
    encoded: buffer.subarray(offset, end),
  };
}

/** Splits a constructed element's content into its child elements. */
export function readChildren(element: DerElement): DerElement[] {
  const children: DerElement[] = [];
  let offset = 0;
  while (offset < element.content.length) {
    const child = readElement(element.content, offset);
    children.push(child);
    offset += child.encoded.length;
  }
  return children;
}

/** Decodes an OBJECT IDENTIFIER's content into dotted form, such as `2.5.29.19`. */
export function decodeOid(content: Buffer): string {
  const arcs: number[] = [];
  let value = 0;
  for (const byte of content) {
    value = value * 128 + (byte & 0x7f);
    if ((byte & 0x80) === 0) {
      arcs.push(value);
      value = 0;
    }
  }
  const first = arcs.shift() ?? 0;
  const head = first < 80 ? [Math.floor(first / 40), first % 40] : [2, first - 80];
  return [...head, ...arcs].join('.');
}

/** Decodes a non-negative INTEGER that fits in a JavaScript number. */
export function decodeSmallInteger(content: Buffer): number {
  if (content.length > 6 || (content[0] ?? 0) & 0x80) {
    throw new Error('DER: integer is negative or too large');
  }
  return content.reduce((value, byte) => value * 256 + byte, 0);
}

/** Encodes one element from its tag and content (the writer half, used to build certificates). */
export function encodeElement(tag: number, ...parts: Buffer[]): Buffer {
  const content = Buffer.concat(parts);
  const length = content.length;
  let header: Buffer;
  if (length < 0x80) {
    header = Buffer.from([tag, length]);
  } else {
    const bytes: number[] = [];
    for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) {
      bytes.unshift(rest % 256);
    }
    header = Buffer.from([tag, 0x80 | bytes.length, ...bytes]);
  }
  return Buffer.concat([header, content]);
}

/** Encodes a dotted OBJECT IDENTIFIER. */
export function encodeOid(dotted: string): Buffer {
  const arcs = dotted.split('.').map(Number);
  const [a = 0, b = 0, ...rest] = arcs;
  const bytes: number[] = [];
  for (const arc of [a * 40 + b, ...rest]) {
    const group: number[] = [arc & 0x7f];
    for (let value = Math.floor(arc / 128); value > 0; value = Math.floor(value / 128)) {
      group.unshift((value & 0x7f) | 0x80);
    }
    bytes.push(...group);
  }
  return encodeElement(TAG.oid, Buffer.from(bytes));
}

/** Encodes a non-negative integer given as big-endian bytes, adding a sign byte when needed. */
export function encodeUnsignedInteger(bytes: Buffer): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) {
    start++;
  }
  const trimmed = bytes.subarray(start);
  const needsSign = ((trimmed[0] ?? 0) & 0x80) !== 0;
  return encodeElement(TAG.integer, needsSign ? Buffer.from([0]) : Buffer.alloc(0), trimmed);
}

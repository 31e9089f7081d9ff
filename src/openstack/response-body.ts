import type { Readable } from 'node:stream';

/** Maximum length of a server message kept in an error, in characters. */
const MAX_MESSAGE_LENGTH = 500;

/** Reads a stream into one buffer, stopping (and destroying the stream) after `maxBytes`. */
export async function readLimited(stream: Readable, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of stream) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    chunks.push(buffer);
    length += buffer.length;
    if (length >= maxBytes) {
      stream.destroy();
      break;
    }
  }
  const all = Buffer.concat(chunks);
  return length > maxBytes ? all.subarray(0, maxBytes) : all;
}

/**
 * Extracts the human-readable message from an OpenStack error body. The
 * services differ: Keystone sends `{"error": {"message"}}`, Glance
 * `{"message"}` (HTML without `Accept: application/json`) and Barbican
 * `{"description"}`. Falls back to the whole text. HTML tags are removed either way.
 */
export function serverMessage(body: Buffer): string | undefined {
  const text = body.toString('utf8').trim();
  if (text === '') {
    return undefined;
  }
  let message: string | undefined;
  try {
    message = messageFromJson(JSON.parse(text));
  } catch {
    message = undefined;
  }
  // Glance puts HTML line breaks even into its JSON messages.
  const compact = (message ?? text)
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return compact.length > MAX_MESSAGE_LENGTH
    ? `${compact.slice(0, MAX_MESSAGE_LENGTH)}...`
    : compact;
}

function messageFromJson(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) {
    return undefined;
  }
  const record = value as Record<string, unknown>;
  for (const key of ['message', 'description', 'faultstring', 'title']) {
    const field = record[key];
    if (typeof field === 'string' && field.trim() !== '') {
      return field;
    }
  }
  return messageFromJson(record.error);
}

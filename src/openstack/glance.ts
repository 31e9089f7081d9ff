import type { IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import type { HttpClient, HttpMethod, RequestBody, TokenSource } from './http.js';

/** A Glance v2 image. Custom properties such as `img_signature` are top-level keys. */
export interface GlanceImage {
  readonly id: string;
  readonly name: string | null;
  readonly status: string;
  readonly visibility: 'public' | 'private' | 'shared' | 'community';
  readonly owner: string | null;
  readonly os_hidden: boolean;
  readonly protected: boolean;
  readonly checksum: string | null;
  readonly os_hash_algo: string | null;
  readonly os_hash_value: string | null;
  readonly size: number | null;
  readonly disk_format: string | null;
  readonly container_format: string | null;
  readonly tags: readonly string[];
  readonly created_at: string;
  readonly updated_at: string;
  readonly [property: string]: unknown;
}

/** One JSON patch operation on an image (Glance accepts add, replace and remove). */
export type ImagePatchOperation =
  | { readonly op: 'add' | 'replace'; readonly path: string; readonly value: unknown }
  | { readonly op: 'remove'; readonly path: string };

/** Query filters for GET /v2/images, such as `visibility`, `owner`, `status` or `os_hidden`. */
export type ImageFilters = Readonly<Record<string, string | number | boolean | undefined>>;

/** Image data being downloaded; the body is streamed, never buffered. */
export interface ImageDownload {
  readonly stream: Readable;
  /** From Content-Length, when Glance sends it. */
  readonly size?: number;
  /** MD5 checksum from the Content-MD5 header, as Glance stored it at upload. */
  readonly checksum?: string;
}

/** Largest page Glance serves with default settings (`api_limit_max`). */
export const MAX_PAGE_SIZE = 1000;

/**
 * Largest chunk written to an upload stream. Node sends each write as one
 * HTTP chunk. uwsgi, Glance's usual WSGI server, fails a chunk that does not
 * fit its `chunked-input-limit` buffer (1 MB by default), and Glance then
 * returns 500 (measured with 1 MiB chunks on Debian 12's uwsgi).
 */
const UPLOAD_CHUNK_BYTES = 64 * 1024;

const JSON_PATCH = 'application/openstack-images-v2.1-json-patch';

/** Glance v2 images API. The endpoint comes from the catalog, type `image`. */
export class GlanceClient {
  constructor(
    private readonly http: HttpClient,
    private readonly auth: TokenSource,
    private readonly endpoint: () => Promise<string>,
  ) {}

  async getImage(id: string): Promise<GlanceImage> {
    return this.call<GlanceImage>('GET', `/v2/images/${encodeURIComponent(id)}`);
  }

  /**
   * Lists images that match `filters`, following `next` links until the last
   * page. Glance leaves `os_hidden` images out unless `os_hidden: true` is a
   * filter, so an audit needs both listings.
   */
  async *listImages(
    filters: ImageFilters = {},
    pageSize = MAX_PAGE_SIZE,
  ): AsyncGenerator<GlanceImage> {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(filters)) {
      if (value !== undefined) {
        query.set(key, String(value));
      }
    }
    query.set('limit', String(Math.min(Math.max(1, pageSize), MAX_PAGE_SIZE)));
    let next: string | undefined = `/v2/images?${query.toString()}`;

    while (next !== undefined) {
      const page: { images: GlanceImage[]; next?: string } = await this.call('GET', next);
      yield* page.images;
      next = page.next;
    }
  }

  /** Applies JSON patch operations, for example `replace /visibility` or `add /img_signature`. */
  async updateImage(id: string, operations: readonly ImagePatchOperation[]): Promise<GlanceImage> {
    return this.call<GlanceImage>('PATCH', `/v2/images/${encodeURIComponent(id)}`, {
      json: operations,
      contentType: JSON_PATCH,
    });
  }

  /** Creates an image record (status `queued`). Glance defaults `visibility` to `shared`. */
  async createImage(fields: Readonly<Record<string, unknown>>): Promise<GlanceImage> {
    return this.call<GlanceImage>('POST', '/v2/images', { json: fields });
  }

  /** Deactivates an active image; Glance returns 403 for an image still `queued`. */
  async deactivateImage(id: string): Promise<void> {
    await this.call(
      'POST',
      `/v2/images/${encodeURIComponent(id)}/actions/deactivate`,
      undefined,
      true,
    );
  }

  async reactivateImage(id: string): Promise<void> {
    await this.call(
      'POST',
      `/v2/images/${encodeURIComponent(id)}/actions/reactivate`,
      undefined,
      true,
    );
  }

  /**
   * Uploads image data from a stream (sent once, never retried) or bytes.
   * Glance verifies the signature here when all four `img_signature*`
   * properties are already set, and returns 400 when it does not match.
   */
  async uploadData(
    id: string,
    data: Readable | Buffer,
    options: { size?: number; timeoutMs?: number } = {},
  ): Promise<void> {
    const contentType = 'application/octet-stream';
    const body: RequestBody = Buffer.isBuffer(data)
      ? { data, contentType }
      : {
          stream: Readable.from(limitChunkSize(data, UPLOAD_CHUNK_BYTES)),
          contentType,
          ...(options.size === undefined ? {} : { contentLength: options.size }),
        };
    await this.http.empty({
      service: 'glance',
      method: 'PUT',
      url: await this.url(`/v2/images/${encodeURIComponent(id)}/file`),
      auth: this.auth,
      body,
      // The timeout covers the whole upload, so it is longer than for API calls.
      timeoutMs: options.timeoutMs ?? 10 * 60 * 1000,
    });
  }

  /** Downloads image data as a stream; returns undefined when the image has no data (HTTP 204). */
  async downloadData(id: string): Promise<ImageDownload | undefined> {
    const response = await this.http.send({
      service: 'glance',
      method: 'GET',
      url: await this.url(`/v2/images/${encodeURIComponent(id)}/file`),
      auth: this.auth,
      accept: 'application/octet-stream',
    });
    if (response.status === 204) {
      response.body.resume();
      return undefined;
    }
    return { stream: response.body, ...downloadHeaders(response.headers) };
  }

  /** Deletes an image; only tests need this. */
  async deleteImage(id: string): Promise<void> {
    await this.call('DELETE', `/v2/images/${encodeURIComponent(id)}`, undefined, true);
  }

  private async call<T>(
    method: HttpMethod,
    path: string,
    body?: RequestBody,
    empty = false,
  ): Promise<T> {
    const request = {
      service: 'glance',
      method,
      url: await this.url(path),
      auth: this.auth,
      ...(body === undefined ? {} : { body }),
    };
    if (empty) {
      await this.http.empty(request);
      return undefined as T;
    }
    return (await this.http.json<T>(request)).data;
  }

  /** Joins the endpoint and an API path; a catalog URL that already ends in /v2 is accepted. */
  private async url(path: string): Promise<URL> {
    const base = (await this.endpoint()).replace(/\/v2(\.\d+)?\/?$/, '');
    return new URL(`${base}${path}`);
  }
}

function downloadHeaders(headers: IncomingHttpHeaders): { size?: number; checksum?: string } {
  const length = Number(headers['content-length']);
  const md5 = headers['content-md5'];
  return {
    ...(Number.isFinite(length) && headers['content-length'] !== undefined ? { size: length } : {}),
    ...(typeof md5 === 'string' ? { checksum: md5 } : {}),
  };
}

/** Splits a stream's chunks into pieces of at most `maxBytes`. */
async function* limitChunkSize(source: Readable, maxBytes: number): AsyncGenerator<Buffer> {
  for await (const chunk of source) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    for (let offset = 0; offset < buffer.length; offset += maxBytes) {
      yield buffer.subarray(offset, offset + maxBytes);
    }
  }
}

import type { HttpClient, HttpMethod, RequestBody, TokenSource } from './http.js';
import { OpenStackConfigError } from './errors.js';

/** Secret metadata from GET /v1/secrets/{id}; the payload is fetched separately. */
export interface BarbicanSecret {
  readonly secret_ref: string;
  readonly name: string | null;
  readonly secret_type: string;
  readonly status: string;
  readonly algorithm: string | null;
  readonly bit_length: number | null;
  readonly mode: string | null;
  readonly content_types?: Readonly<Record<string, string>>;
  readonly creator_id?: string;
  readonly expiration: string | null;
  readonly created: string;
  readonly updated: string;
}

export interface StoredSecret {
  /** UUID at the end of `ref`, as used in `img_signature_certificate_uuid`. */
  readonly id: string;
  readonly ref: string;
}

/** Barbican pages secret lists with limit and offset; 100 is its default maximum `limit`. */
const PAGE_SIZE = 100;

/** Returns the secret UUID at the end of a Barbican `secret_ref` URL. */
export function secretIdFromRef(ref: string): string {
  const id = /\/secrets\/([0-9a-fA-F-]{36})\/?$/.exec(ref)?.[1];
  if (id === undefined) {
    throw new OpenStackConfigError(
      `secret_ref ${JSON.stringify(ref)} does not end in /secrets/<uuid>`,
    );
  }
  return id;
}

/** Barbican v1 secrets API. The endpoint comes from the catalog, type `key-manager`. */
export class BarbicanClient {
  constructor(
    private readonly http: HttpClient,
    private readonly auth: TokenSource,
    private readonly endpoint: () => Promise<string>,
  ) {}

  /**
   * Stores a PEM certificate the way Glance's signature verification reads
   * it: `secret_type: certificate`, the PEM bytes base64-encoded and sent as
   * `application/octet-stream`. Barbican rejects `application/pkix-cert` (400).
   */
  async storeCertificate(
    name: string,
    pem: string | Buffer,
    algorithm?: string,
  ): Promise<StoredSecret> {
    const payload = (Buffer.isBuffer(pem) ? pem : Buffer.from(pem, 'utf8')).toString('base64');
    const { data } = await this.http.json<{ secret_ref: string }>({
      service: 'barbican',
      method: 'POST',
      url: await this.url('/v1/secrets'),
      auth: this.auth,
      body: {
        json: {
          name,
          secret_type: 'certificate',
          payload,
          payload_content_type: 'application/octet-stream',
          payload_content_encoding: 'base64',
          ...(algorithm === undefined ? {} : { algorithm }),
        },
      },
    });
    return { id: secretIdFromRef(data.secret_ref), ref: data.secret_ref };
  }

  /** Lists the project's secrets with this name and type (all pages), to find one stored earlier. */
  async findSecrets(name: string, secretType = 'certificate'): Promise<BarbicanSecret[]> {
    const found: BarbicanSecret[] = [];
    for (let offset = 0; ; offset += PAGE_SIZE) {
      const query = new URLSearchParams({
        name,
        secret_type: secretType,
        limit: String(PAGE_SIZE),
        offset: String(offset),
      });
      const page: { secrets: BarbicanSecret[]; total?: number } = await this.call(
        'GET',
        `/v1/secrets?${query.toString()}`,
      );
      found.push(...page.secrets);
      if (
        page.secrets.length < PAGE_SIZE ||
        (page.total !== undefined && offset + PAGE_SIZE >= page.total)
      ) {
        return found;
      }
    }
  }

  async getSecret(id: string): Promise<BarbicanSecret> {
    return this.call<BarbicanSecret>('GET', `/v1/secrets/${encodeURIComponent(id)}`);
  }

  /** Returns the decrypted payload bytes; a certificate stored by storeCertificate comes back as the PEM bytes. */
  async getPayload(id: string): Promise<Buffer> {
    return this.http.bytes({
      service: 'barbican',
      method: 'GET',
      url: await this.url(`/v1/secrets/${encodeURIComponent(id)}/payload`),
      auth: this.auth,
      accept: 'application/octet-stream',
    });
  }

  /** Deletes a secret; only tests need this. */
  async deleteSecret(id: string): Promise<void> {
    await this.http.empty({
      service: 'barbican',
      method: 'DELETE',
      url: await this.url(`/v1/secrets/${encodeURIComponent(id)}`),
      auth: this.auth,
    });
  }

  private async call<T>(method: HttpMethod, path: string, body?: RequestBody): Promise<T> {
    const request = {
      service: 'barbican',
      method,
      url: await this.url(path),
      auth: this.auth,
      ...(body === undefined ? {} : { body }),
    };
    return (await this.http.json<T>(request)).data;
  }

  private async url(path: string): Promise<URL> {
    const base = (await this.endpoint()).replace(/\/v1\/?$/, '');
    return new URL(`${base}${path}`);
  }
}

import { findEndpoint, type CatalogService } from './catalog.js';
import type {
  ApplicationCredentialAuth,
  CloudConfig,
  EndpointInterface,
  PasswordAuth,
} from './clouds-yaml.js';
import { OpenStackConfigError } from './errors.js';
import type { HttpClient, TokenSource } from './http.js';
import { silentLogger, type OpenStackLogger } from './logger.js';

/** Maximum time before `expires_at` at which a token is renewed (5 minutes). */
const MAX_RENEW_MARGIN_MS = 5 * 60 * 1000;
/** Share of a token's lifetime left when it is renewed, for tokens shorter than 50 minutes (10%). */
const RENEW_MARGIN_SHARE = 0.1;

interface TokenState {
  readonly token: string;
  readonly expiresAt: number;
  readonly renewAt: number;
  readonly catalog: readonly CatalogService[];
  readonly projectId?: string;
  readonly userId?: string;
}

interface TokenBody {
  readonly token?: {
    readonly expires_at?: string;
    readonly catalog?: CatalogService[];
    readonly project?: { readonly id?: string };
    readonly user?: { readonly id?: string };
  };
}

export interface SessionOptions {
  readonly logger?: OpenStackLogger;
  /** Clock in milliseconds, replaceable in tests. */
  readonly now?: () => number;
}

/**
 * A Keystone v3 session for one cloud. It issues a project-scoped token,
 * caches it until shortly before `expires_at` (5 minutes, or 10% of the
 * lifetime for short-lived tokens), and lets concurrent callers share one
 * authentication request. The token is never logged.
 */
export class KeystoneSession implements TokenSource {
  private current?: TokenState;
  private pending?: Promise<TokenState>;
  private authentications = 0;
  private readonly logger: OpenStackLogger;
  private readonly now: () => number;

  constructor(
    private readonly cloud: CloudConfig,
    private readonly http: HttpClient,
    options: SessionOptions = {},
  ) {
    this.logger = options.logger ?? silentLogger;
    this.now = options.now ?? Date.now;
  }

  /** Number of token requests sent to Keystone so far; tests use it to check token reuse. */
  get authenticationCount(): number {
    return this.authentications;
  }

  async token(): Promise<string> {
    return (await this.state()).token;
  }

  invalidate(token: string): void {
    if (this.current?.token === token) {
      this.current = undefined;
    }
  }

  /** Project id of the current token (the credential's project for application credentials). */
  async projectId(): Promise<string | undefined> {
    return (await this.state()).projectId;
  }

  async userId(): Promise<string | undefined> {
    return (await this.state()).userId;
  }

  /** Returns the catalog URL of a service type (`image`, `key-manager`) for the cloud's interface and region. */
  async endpoint(
    type: string,
    endpointInterface: EndpointInterface = this.cloud.interface,
  ): Promise<string> {
    const state = await this.state();
    return findEndpoint(state.catalog, type, endpointInterface, this.cloud.regionName);
  }

  private async state(): Promise<TokenState> {
    const current = this.current;
    if (current !== undefined && this.now() < current.renewAt) {
      return current;
    }
    this.pending ??= this.authenticate().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private async authenticate(): Promise<TokenState> {
    this.authentications += 1;
    const { data, response } = await this.http.json<TokenBody>({
      service: 'keystone',
      method: 'POST',
      url: new URL(`${this.cloud.authUrl}/auth/tokens`),
      body: { json: authRequestBody(this.cloud.auth) },
      // Repeating a token request only issues another token, so it is safe to retry.
      idempotent: true,
    });

    const header = response.headers['x-subject-token'];
    const token = Array.isArray(header) ? header[0] : header;
    if (token === undefined || token === '') {
      throw new OpenStackConfigError(
        `Keystone at ${this.cloud.authUrl} returned no X-Subject-Token header; check that auth_url points at Keystone v3`,
      );
    }
    const issuedAt = this.now();
    const expiresAt = Date.parse(data?.token?.expires_at ?? '');
    if (Number.isNaN(expiresAt)) {
      throw new OpenStackConfigError(
        `Keystone at ${this.cloud.authUrl} returned a token without a valid expires_at`,
      );
    }
    const margin = Math.min(MAX_RENEW_MARGIN_MS, (expiresAt - issuedAt) * RENEW_MARGIN_SHARE);

    const state: TokenState = {
      token,
      expiresAt,
      renewAt: expiresAt - margin,
      catalog: data?.token?.catalog ?? [],
      ...(data?.token?.project?.id === undefined ? {} : { projectId: data.token.project.id }),
      ...(data?.token?.user?.id === undefined ? {} : { userId: data.token.user.id }),
    };
    this.current = state;
    this.logger.debug(
      {
        cloud: this.cloud.name,
        requestId: response.requestId,
        expiresAt: new Date(expiresAt).toISOString(),
      },
      'Keystone token issued',
    );
    return state;
  }
}

/** Builds the body of POST /v3/auth/tokens. */
export function authRequestBody(auth: PasswordAuth | ApplicationCredentialAuth): unknown {
  if (auth.type === 'application_credential') {
    return {
      auth: {
        identity: {
          methods: ['application_credential'],
          application_credential: {
            secret: auth.secret,
            ...(auth.id === undefined
              ? { name: auth.name, user: userReference(auth) }
              : { id: auth.id }),
          },
        },
      },
    };
  }
  const project =
    auth.projectId !== undefined
      ? { id: auth.projectId }
      : {
          name: auth.projectName,
          domain: domainReference(auth.projectDomainId, auth.projectDomainName),
        };
  return {
    auth: {
      identity: {
        methods: ['password'],
        password: { user: { ...userReference(auth), password: auth.password } },
      },
      scope: { project },
    },
  };
}

function userReference(auth: PasswordAuth | ApplicationCredentialAuth): Record<string, unknown> {
  if (auth.userId !== undefined) {
    return { id: auth.userId };
  }
  return { name: auth.username, domain: domainReference(auth.userDomainId, auth.userDomainName) };
}

function domainReference(id: string | undefined, name: string | undefined): Record<string, string> {
  return id !== undefined ? { id } : { name: name ?? 'Default' };
}

import { load } from 'js-yaml';
import { OpenStackConfigError } from './errors.js';

/** Keystone v3 password authentication, scoped to one project. */
export interface PasswordAuth {
  readonly type: 'password';
  readonly username?: string;
  readonly userId?: string;
  readonly password: string;
  readonly userDomainName?: string;
  readonly userDomainId?: string;
  readonly projectName?: string;
  readonly projectId?: string;
  readonly projectDomainName?: string;
  readonly projectDomainId?: string;
}

/** Keystone v3 application credential; the project comes from the credential itself. */
export interface ApplicationCredentialAuth {
  readonly type: 'application_credential';
  readonly id?: string;
  readonly name?: string;
  readonly secret: string;
  /** Owner of a credential given by name; Keystone looks names up per user. */
  readonly username?: string;
  readonly userId?: string;
  readonly userDomainName?: string;
  readonly userDomainId?: string;
}

export type EndpointInterface = 'public' | 'internal' | 'admin';

/** One cloud of a clouds.yaml file, checked and normalized. */
export interface CloudConfig {
  readonly name: string;
  /** Keystone v3 URL ending in `/v3`. */
  readonly authUrl: string;
  readonly auth: PasswordAuth | ApplicationCredentialAuth;
  readonly regionName?: string;
  readonly interface: EndpointInterface;
  /** Path of a PEM CA bundle (`cacert`); the file is read by `connect`. */
  readonly caCertFile?: string;
}

const PASSWORD_AUTH_TYPES = new Set(['password', 'v3password']);
const APPLICATION_CREDENTIAL_AUTH_TYPES = new Set([
  'v3applicationcredential',
  'applicationcredential',
]);

/**
 * Parses a clouds.yaml document and returns the named cloud. Errors name the
 * field path (`clouds.<name>.auth.<field>`) and the fix; they never contain a
 * password or secret.
 */
export function parseCloudsYaml(text: string, cloudName: string): CloudConfig {
  let document: unknown;
  try {
    document = load(text);
  } catch (cause) {
    throw new OpenStackConfigError(`clouds.yaml is not valid YAML: ${(cause as Error).message}`, {
      cause,
    });
  }
  const root = objectAt(
    document,
    'clouds.yaml document',
    'the file must contain a "clouds:" mapping',
  );
  const clouds = objectAt(
    root.clouds,
    'clouds',
    'add a top-level "clouds:" mapping of cloud names',
  );
  const cloud = clouds[cloudName];
  if (cloud === undefined) {
    const known = Object.keys(clouds).join(', ') || 'none';
    throw new OpenStackConfigError(
      `clouds.${cloudName} not found in clouds.yaml; defined clouds: ${known}`,
    );
  }
  const path = `clouds.${cloudName}`;
  const fields = objectAt(cloud, path, 'make it a mapping with an "auth" section');
  const auth = objectAt(
    fields.auth,
    `${path}.auth`,
    'add an "auth" mapping with auth_url and credentials',
  );

  const verify = fields.verify;
  if (verify !== undefined && verify !== true) {
    throw new OpenStackConfigError(
      `${path}.verify is ${JSON.stringify(verify)}, but TLS verification cannot be turned off; remove it and set cacert to the CA bundle that signed the endpoints`,
    );
  }

  return {
    name: cloudName,
    authUrl: parseAuthUrl(auth.auth_url, `${path}.auth.auth_url`),
    auth: parseAuth(fields.auth_type, auth, path),
    ...optional('regionName', optionalString(fields.region_name, `${path}.region_name`)),
    interface: parseInterface(fields.interface, `${path}.interface`),
    ...optional('caCertFile', optionalString(fields.cacert, `${path}.cacert`)),
  };
}

function parseAuth(
  authType: unknown,
  auth: Record<string, unknown>,
  path: string,
): PasswordAuth | ApplicationCredentialAuth {
  const type = authType === undefined ? 'password' : authType;
  const field = (name: string): string | undefined =>
    optionalString(auth[name], `${path}.auth.${name}`);

  if (typeof type === 'string' && PASSWORD_AUTH_TYPES.has(type)) {
    const password = requiredSecret(auth.password, `${path}.auth.password`);
    const username = field('username');
    const userId = field('user_id');
    if (username === undefined && userId === undefined) {
      throw new OpenStackConfigError(`${path}.auth.username is missing; set username (or user_id)`);
    }
    const userDomainName = field('user_domain_name') ?? field('domain_name');
    const userDomainId = field('user_domain_id') ?? field('domain_id');
    if (userId === undefined && userDomainName === undefined && userDomainId === undefined) {
      throw new OpenStackConfigError(
        `${path}.auth.user_domain_name is missing; a username needs its domain, for example user_domain_name: Default`,
      );
    }
    const projectName = field('project_name') ?? field('tenant_name');
    const projectId = field('project_id') ?? field('tenant_id');
    if (projectName === undefined && projectId === undefined) {
      throw new OpenStackConfigError(
        `${path}.auth.project_name is missing; set project_name (or project_id) to scope the token`,
      );
    }
    const projectDomainName = field('project_domain_name') ?? field('domain_name');
    const projectDomainId = field('project_domain_id') ?? field('domain_id');
    if (
      projectId === undefined &&
      projectDomainName === undefined &&
      projectDomainId === undefined
    ) {
      throw new OpenStackConfigError(
        `${path}.auth.project_domain_name is missing; a project_name needs its domain, for example project_domain_name: Default`,
      );
    }
    return {
      type: 'password',
      password,
      ...optional('username', username),
      ...optional('userId', userId),
      ...optional('userDomainName', userDomainName),
      ...optional('userDomainId', userDomainId),
      ...optional('projectName', projectName),
      ...optional('projectId', projectId),
      ...optional('projectDomainName', projectDomainName),
      ...optional('projectDomainId', projectDomainId),
    };
  }

  if (typeof type === 'string' && APPLICATION_CREDENTIAL_AUTH_TYPES.has(type)) {
    const secret = requiredSecret(
      auth.application_credential_secret,
      `${path}.auth.application_credential_secret`,
    );
    const id = field('application_credential_id');
    const name = field('application_credential_name');
    if (id === undefined && name === undefined) {
      throw new OpenStackConfigError(
        `${path}.auth.application_credential_id is missing; set application_credential_id (or application_credential_name with username and user_domain_name)`,
      );
    }
    const username = field('username');
    const userId = field('user_id');
    const userDomainName = field('user_domain_name') ?? field('domain_name');
    const userDomainId = field('user_domain_id') ?? field('domain_id');
    if (id === undefined) {
      if (username === undefined && userId === undefined) {
        throw new OpenStackConfigError(
          `${path}.auth.username is missing; an application_credential_name is looked up per user, so set username (or user_id)`,
        );
      }
      if (userId === undefined && userDomainName === undefined && userDomainId === undefined) {
        throw new OpenStackConfigError(
          `${path}.auth.user_domain_name is missing; a username needs its domain, for example user_domain_name: Default`,
        );
      }
    }
    return {
      type: 'application_credential',
      secret,
      ...optional('id', id),
      ...optional('name', name),
      ...optional('username', username),
      ...optional('userId', userId),
      ...optional('userDomainName', userDomainName),
      ...optional('userDomainId', userDomainId),
    };
  }

  throw new OpenStackConfigError(
    `${path}.auth_type is ${JSON.stringify(type)}, which is not supported; use password (the default) or v3applicationcredential`,
  );
}

function parseAuthUrl(value: unknown, path: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new OpenStackConfigError(
      `${path} is missing; set it to the Keystone URL, for example https://keystone.example:5000/v3`,
    );
  }
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch (cause) {
    throw new OpenStackConfigError(`${path} is not a valid URL: ${JSON.stringify(value)}`, {
      cause,
    });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new OpenStackConfigError(`${path} has scheme ${url.protocol}; use an http or https URL`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new OpenStackConfigError(
      `${path} contains user information; move the credentials to the auth fields`,
    );
  }
  const base = url.href.replace(/\/+$/, '');
  // Keystone's root URL serves version discovery only; tokens live under /v3.
  return /\/v3$/.test(base) ? base : `${base}/v3`;
}

function parseInterface(value: unknown, path: string): EndpointInterface {
  if (value === undefined) {
    return 'public';
  }
  const normalized = typeof value === 'string' ? value.replace(/URL$/, '') : value;
  if (normalized === 'public' || normalized === 'internal' || normalized === 'admin') {
    return normalized;
  }
  throw new OpenStackConfigError(
    `${path} is ${JSON.stringify(value)}; use public, internal or admin`,
  );
}

function objectAt(value: unknown, path: string, fix: string): Record<string, unknown> {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    return value as Record<string, unknown>;
  }
  throw new OpenStackConfigError(`${path} is missing or not a mapping; ${fix}`);
}

function optionalString(value: unknown, path: string): string | undefined {
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value === 'number') {
    return String(value);
  }
  if (typeof value !== 'string') {
    throw new OpenStackConfigError(`${path} must be a string, got ${typeof value}`);
  }
  return value.trim() === '' ? undefined : value;
}

/** Reads a secret field; its value never appears in a message. */
function requiredSecret(value: unknown, path: string): string {
  if (typeof value === 'string' && value !== '') {
    return value;
  }
  if (typeof value === 'number') {
    return String(value);
  }
  throw new OpenStackConfigError(`${path} is missing or empty; set it in clouds.yaml`);
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

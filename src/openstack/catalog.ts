import { OpenStackConfigError } from './errors.js';
import type { EndpointInterface } from './clouds-yaml.js';

/** One service of the Keystone v3 catalog, as returned in a token body. */
export interface CatalogService {
  readonly type: string;
  readonly name?: string;
  readonly endpoints: readonly {
    readonly interface: string;
    readonly url: string;
    readonly region_id?: string;
    readonly region?: string;
  }[];
}

/**
 * Finds the endpoint URL of a service type for an interface, in a region when
 * one is given (else the first matching endpoint). The URL has no trailing slash.
 */
export function findEndpoint(
  catalog: readonly CatalogService[],
  type: string,
  endpointInterface: EndpointInterface,
  region: string | undefined,
): string {
  const services = catalog.filter((service) => service.type === type);
  if (services.length === 0) {
    const types = catalog.map((service) => service.type).join(', ') || 'none';
    throw new OpenStackConfigError(
      `service type ${type} not found in the Keystone catalog; catalog types: ${types}`,
    );
  }
  for (const service of services) {
    const endpoint = service.endpoints.find(
      (candidate) =>
        candidate.interface === endpointInterface &&
        (region === undefined || candidate.region_id === region || candidate.region === region),
    );
    if (endpoint !== undefined) {
      return endpoint.url.replace(/\/+$/, '');
    }
  }
  const offered = services
    .flatMap((service) =>
      service.endpoints.map(
        (endpoint) => `${endpoint.interface}@${endpoint.region_id ?? endpoint.region ?? '?'}`,
      ),
    )
    .join(', ');
  throw new OpenStackConfigError(
    `no ${endpointInterface} endpoint for service type ${type}${region === undefined ? '' : ` in region ${region}`}; the catalog offers ${offered}; set interface or region_name in clouds.yaml`,
  );
}

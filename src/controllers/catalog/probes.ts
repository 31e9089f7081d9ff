/**
 * Live enforcement probes: a non-admin user tries what the policy denies on
 * a throwaway image it owns, and every request Glance accepts is a failed
 * check. A policy that renders correctly can still be undermined by the
 * files Glance actually reads, which only a live request shows.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { ImageSecurityPolicySpec } from '../../api/image-security-policy.js';
import { connect, OpenStackError, parseCloudsYaml } from '../../openstack/index.js';
import type { GlanceClient } from '../../openstack/glance.js';
import { HttpClient } from '../../openstack/http.js';
import { authRequestBody } from '../../openstack/session.js';
import { createTransport } from '../../openstack/transport.js';
import type { Logger } from '../../log.js';
import { selectProbeChecks, type ProbeCheck } from './probe-checks.js';

/** Name prefix of probe images; leftovers with it, owned by the probe project, are deleted. */
export const PROBE_IMAGE_PREFIX = 'image-security-probe-';

/** Value written by property checks; it never reaches an image Glance keeps. */
const PROBE_VALUE = 'image-security-probe';

export interface ProbeResult {
  /** Checks Glance denied as expected, by description. */
  readonly passed: readonly string[];
  /** One message per failed check, such as "member could set img_signature (HTTP 200)". */
  readonly failures: readonly string[];
}

/**
 * Runs the probes as the clouds.yaml entry `cloud`. The probe image is
 * always deleted, also when a check throws. Throws only when the probe user
 * cannot authenticate or has the admin role, because a Glance error during
 * the run is a failed check.
 */
export async function runProbes(
  spec: Pick<ImageSecurityPolicySpec, 'propertyProtection' | 'policy'>,
  cloudsYaml: string,
  cloud: string,
  log: Logger,
): Promise<ProbeResult> {
  const roles = await tokenRoles(cloudsYaml, cloud);
  if (roles.some((role) => role.toLowerCase() === 'admin')) {
    throw new Error(
      `spec.publishedImages.probe.cloud "${cloud}" has the admin role, so the checks would show ` +
        'what admins may do; use a non-admin user such as a project member',
    );
  }
  const { glance, session } = await connect(cloudsYaml, cloud, { retries: 1 });
  const projectId = await session.projectId();
  const who = `${cloud} (roles ${roles.join(', ') || 'none'})`;

  await deleteLeftovers(glance, projectId, log);
  let imageId: string | undefined;
  try {
    const image = await glance.createImage({
      name: `${PROBE_IMAGE_PREFIX}${randomBytes(6).toString('hex')}`,
      visibility: 'private',
      disk_format: 'raw',
      container_format: 'bare',
    });
    imageId = image.id;
  } catch (error) {
    return {
      passed: [],
      failures: [`${who} could not create the probe image: ${messageOf(error)}`],
    };
  }

  try {
    const passed: string[] = [];
    const failures: string[] = [];
    for (const check of selectProbeChecks(spec, roles)) {
      const failure = await runCheck(glance, imageId, check, who);
      if (failure === undefined) {
        passed.push(describeCheck(check));
      } else {
        failures.push(failure);
      }
    }
    return { passed, failures };
  } finally {
    await glance.deleteImage(imageId).catch((error: unknown) => {
      log.warn({ imageId, err: messageOf(error) }, 'failed to delete the probe image');
    });
  }
}

/** Sends one request the policy denies. Returns undefined on HTTP 403, else the failure message. */
async function runCheck(
  glance: GlanceClient,
  imageId: string,
  check: ProbeCheck,
  who: string,
): Promise<string | undefined> {
  const operation =
    check.kind === 'property'
      ? ({ op: 'add', path: `/${check.property}`, value: PROBE_VALUE } as const)
      : ({ op: 'replace', path: '/visibility', value: check.visibility } as const);
  const what =
    check.kind === 'property'
      ? `set ${check.property}, which ${check.rulePath} denies`
      : `set visibility ${check.visibility}, which ${check.policyRule} denies`;
  try {
    await glance.updateImage(imageId, [operation]);
    return `${who} could ${what} (HTTP 200)`;
  } catch (error) {
    if (error instanceof OpenStackError && error.status === 403) {
      return undefined;
    }
    return `${who} tried to ${what} and expected HTTP 403, but ${messageOf(error)}`;
  }
}

function describeCheck(check: ProbeCheck): string {
  return check.kind === 'property' ? `set ${check.property}` : `set visibility ${check.visibility}`;
}

/** Deletes probe images an earlier run left behind, such as after a crash. */
async function deleteLeftovers(
  glance: GlanceClient,
  projectId: string | undefined,
  log: Logger,
): Promise<void> {
  if (projectId === undefined) {
    return;
  }
  try {
    for await (const image of glance.listImages({ owner: projectId })) {
      if (image.name?.startsWith(PROBE_IMAGE_PREFIX) === true) {
        await glance.deleteImage(image.id);
        log.info({ imageId: image.id, name: image.name }, 'deleted a leftover probe image');
      }
    }
  } catch (error) {
    // The run goes on: a failing Glance shows up in the checks themselves.
    log.warn({ err: messageOf(error) }, 'failed to delete leftover probe images');
  }
}

/**
 * Returns the role names of a token for the probe user. The session keeps
 * only the catalog and ids of its token, so this sends its own token request
 * and reads `token.roles` from the response body.
 */
async function tokenRoles(cloudsYaml: string, cloud: string): Promise<string[]> {
  const config = parseCloudsYaml(cloudsYaml, cloud);
  const caBundle =
    config.caCertFile === undefined ? undefined : await readFile(config.caCertFile, 'utf8');
  const http = new HttpClient({
    transport: createTransport(caBundle === undefined ? {} : { caBundle }),
    retries: 1,
  });
  const { data } = await http.json<{ token?: { roles?: { name?: string }[] } }>({
    service: 'keystone',
    method: 'POST',
    url: new URL(`${config.authUrl}/auth/tokens`),
    body: { json: authRequestBody(config.auth) },
    idempotent: true,
  });
  return (data?.token?.roles ?? [])
    .map((role) => role.name)
    .filter((name): name is string => name !== undefined)
    .sort();
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

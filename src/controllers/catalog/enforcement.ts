import type { CatalogAction } from '../../api/image-security-policy.js';
import type { PublishedImages } from '../../api/published-images.js';
import { auditImages, type VerifiedHashes } from '../../catalog/audit.js';
import type { EnforcementPlan, PlannedAction } from '../../catalog/enforce.js';
import { OpenStackError, type GlanceClient, type GlanceImage } from '../../openstack/index.js';
import { decideEnforcement, markerOperations } from './markers.js';

/** The Glance calls enforcement makes; a GlanceClient satisfies it. */
export type EnforcementGlance = Pick<GlanceClient, 'getImage' | 'updateImage' | 'deactivateImage'>;

/** One enforced, skipped or failed action, for status and an Event. */
export type ActionRecord = CatalogAction & { readonly contested?: boolean };

/**
 * Runs the planned actions of an executable plan, one image at a time.
 * Each image is read again just before the change and audited on that copy,
 * so an image a human fixed in the meantime is left alone. The change and
 * the marker properties go in one PATCH for MakePrivate. When property
 * protections deny the markers (403), the visibility is still changed and
 * the record notes the missing markers. Nothing is ever deleted.
 */
export async function enforcePlan(
  glance: EnforcementGlance,
  config: PublishedImages,
  plan: EnforcementPlan,
  verifiedHashes: VerifiedHashes,
  now: Date,
): Promise<ActionRecord[]> {
  if (!plan.execute) {
    return plan.actions.map((planned) => ({
      id: planned.imageId,
      ...nameOf(planned.name),
      action: planned.action,
      result: plan.dryRun ? 'Planned' : 'Skipped',
      message: plan.blocked ?? (plan.dryRun ? 'dry run: not changed' : 'not executed'),
    }));
  }
  const records: ActionRecord[] = [];
  for (const planned of plan.actions) {
    records.push(await enforceOne(glance, config, planned, verifiedHashes, now));
  }
  return records;
}

async function enforceOne(
  glance: EnforcementGlance,
  config: PublishedImages,
  planned: PlannedAction,
  verifiedHashes: VerifiedHashes,
  now: Date,
): Promise<ActionRecord> {
  const base = { id: planned.imageId, ...nameOf(planned.name), action: planned.action };
  try {
    const fresh = await glance.getImage(planned.imageId);
    const stillViolates = auditImages(config, [fresh], verifiedHashes).some(
      (audit) => !audit.compliant,
    );
    const decision = decideEnforcement(fresh, planned.action, stillViolates);
    if (decision.kind === 'skip') {
      return { ...base, result: 'Skipped', message: decision.reason };
    }
    if (decision.kind === 'contested') {
      return {
        ...base,
        result: 'Skipped',
        contested: true,
        message:
          `Contested: published again ${decision.republications} times after the operator ` +
          'changed it, so the operator no longer acts on it; allow-list it or settle it by hand',
      };
    }
    const markers = markerOperations(fresh, planned.action, decision.enforcements, now);
    const markerNote = await applyChange(glance, fresh, planned, markers);
    return {
      ...base,
      result: 'Succeeded',
      message: `${planned.reason}${markerNote}`.slice(0, 1024),
    };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ...base, result: 'Failed', message: message.slice(0, 1024) };
  }
}

/** Changes the image and records the markers; returns a note when the markers were denied. */
async function applyChange(
  glance: EnforcementGlance,
  image: GlanceImage,
  planned: PlannedAction,
  markers: Parameters<EnforcementGlance['updateImage']>[1],
): Promise<string> {
  const makePrivate = { op: 'replace', path: '/visibility', value: 'private' } as const;
  const change = planned.action === 'MakePrivate' ? [makePrivate] : [];
  let note = '';
  try {
    await glance.updateImage(image.id, [...change, ...markers]);
  } catch (error) {
    if (!(error instanceof OpenStackError && error.status === 403)) {
      throw error;
    }
    // Property protections without a rule for the marker names deny them, admin included.
    note =
      '; the xloud_image_security_* properties were denied (HTTP 403), so add a ' +
      'property protection rule that lets admin create and update them';
    if (change.length > 0) {
      await glance.updateImage(image.id, change);
    }
  }
  if (planned.action === 'Deactivate') {
    await glance.deactivateImage(image.id);
  }
  return note;
}

function nameOf(name: string | null): { name?: string } {
  return name === null ? {} : { name: name.slice(0, 255) };
}

import type { ComputeSignatureVerification } from '../api/image-security-policy.js';
import { warning, type Finding } from './findings.js';
import { GENERATED_HEADER } from './files.js';
import { writeIni } from './ini-writer.js';

const PATH = 'spec.computeSignatureVerification';

/** Spec used when targets.computeService is set without computeSignatureVerification: Nova's defaults. */
const NOVA_DEFAULTS: ComputeSignatureVerification = { verifyGlanceSignatures: false };

/** Warns about settings that Nova accepts but that do not do what they suggest. */
export function checkComputeVerification(
  spec: ComputeSignatureVerification | undefined,
): Finding[] {
  if (
    spec === undefined ||
    spec.verifyGlanceSignatures ||
    spec.enableCertificateValidation !== true
  ) {
    return [];
  }
  return [
    warning(
      `${PATH}.enableCertificateValidation`,
      'is true while verifyGlanceSignatures is false, and Nova validates certificates only while it verifies signatures; set verifyGlanceSignatures: true',
    ),
  ];
}

/** Renders the nova.conf `[glance]` fragment with oslo.config booleans and a comma-separated list. */
export function renderNovaSignatureConf(spec: ComputeSignatureVerification | undefined): string {
  const settings = spec ?? NOVA_DEFAULTS;
  return writeIni(
    [GENERATED_HEADER, 'Nova reads these options only at start, so a change needs a restart.'],
    [
      {
        name: 'glance',
        entries: [
          ['verify_glance_signatures', pythonBoolean(settings.verifyGlanceSignatures)],
          [
            'enable_certificate_validation',
            pythonBoolean(settings.enableCertificateValidation ?? false),
          ],
          [
            'default_trusted_certificate_ids',
            (settings.defaultTrustedCertificateIds ?? []).join(','),
          ],
        ],
      },
    ],
  );
}

function pythonBoolean(value: boolean): string {
  return value ? 'True' : 'False';
}

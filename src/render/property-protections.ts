import type { RuleFormat } from '../api/image-security-policy.js';
import { GENERATED_HEADER, PROPERTY_PROTECTION_FILE_PATH } from './files.js';
import { writeIni, type IniSection } from './ini-writer.js';
import { OPERATIONS } from './protection-values.js';
import type { ProtectionSection } from './protection-rules.js';

/**
 * Renders property-protections.conf: one section per rule in spec order, with
 * all four operations, as Glance requires. Roles are joined with ", " (Glance
 * splits on "," and strips each role); the policies format has one name.
 */
export function renderPropertyProtections(
  sections: readonly ProtectionSection[],
  format: RuleFormat,
): string {
  const comments = [
    GENERATED_HEADER,
    `Glance property protection rules, format "${format}". Section names are Python regular`,
    'expressions searched in each property name, and the first matching section wins.',
    'While any section exists, a property that matches none is denied to everyone.',
  ];
  const iniSections: IniSection[] = sections.map((section) => ({
    name: section.name,
    entries: OPERATIONS.map(
      (operation) => [operation, section.lists[operation].join(', ')] as const,
    ),
  }));
  return writeIni(comments, iniSections);
}

/** Renders the glance-api.conf fragment that points Glance at the rendered file. */
export function renderGlanceApiFragment(format: RuleFormat): string {
  return writeIni(
    [GENERATED_HEADER, 'Glance reads these options only at start, so a change needs a restart.'],
    [
      {
        name: 'DEFAULT',
        entries: [
          ['property_protection_file', PROPERTY_PROTECTION_FILE_PATH],
          ['property_protection_rule_format', format],
        ],
      },
    ],
  );
}

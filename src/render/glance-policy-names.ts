import { editDistance } from '../text/edit-distance.js';

/**
 * Policy rule names that Glance 25 (Zed) registers, as returned by
 * `glance.policies.list_rules()` of the Debian 12 python3-glance 25.1 package.
 * oslo.policy accepts any other name in policy.yaml silently, and such a rule
 * changes nothing, so the renderer reports names outside this list.
 */
export const GLANCE_POLICY_NAMES: ReadonlySet<string> = new Set([
  'add_image',
  'add_member',
  'add_metadef_namespace',
  'add_metadef_object',
  'add_metadef_property',
  'add_metadef_resource_type_association',
  'add_metadef_tag',
  'add_metadef_tags',
  'add_task',
  'cache_delete',
  'cache_image',
  'cache_list',
  'communitize_image',
  'context_is_admin',
  'copy_image',
  'deactivate',
  'default',
  'delete_image',
  'delete_image_location',
  'delete_member',
  'delete_metadef_namespace',
  'delete_metadef_object',
  'delete_metadef_tag',
  'delete_metadef_tags',
  'download_image',
  'get_image',
  'get_image_location',
  'get_images',
  'get_member',
  'get_members',
  'get_metadef_namespace',
  'get_metadef_namespaces',
  'get_metadef_object',
  'get_metadef_objects',
  'get_metadef_properties',
  'get_metadef_property',
  'get_metadef_resource_type',
  'get_metadef_tag',
  'get_metadef_tags',
  'get_task',
  'get_tasks',
  'list_metadef_resource_types',
  'manage_image_cache',
  'metadef_admin',
  'metadef_default',
  'modify_image',
  'modify_member',
  'modify_metadef_namespace',
  'modify_metadef_object',
  'modify_metadef_property',
  'modify_metadef_tag',
  'modify_task',
  'publicize_image',
  'reactivate',
  'remove_metadef_property',
  'remove_metadef_resource_type_association',
  'set_image_location',
  'stores_info_detail',
  'tasks_api_access',
  'upload_image',
]);

/** Names seen in vendor guides and older releases, mapped to the Glance rule they mean. */
const KNOWN_ALIASES: Readonly<Record<string, string>> = {
  deactivate_image: 'deactivate',
  reactivate_image: 'reactivate',
  publicize: 'publicize_image',
  communitize: 'communitize_image',
  publicise_image: 'publicize_image',
  make_public: 'publicize_image',
};

/** Maximum edit distance for a "did you mean" suggestion that is not a known alias. */
const MAX_SUGGESTION_DISTANCE = 3;

/** Returns the Glance rule name that `name` most likely means, or undefined. */
export function suggestPolicyName(name: string): string | undefined {
  const alias = KNOWN_ALIASES[name] ?? KNOWN_ALIASES[name.toLowerCase()];
  if (alias !== undefined) {
    return alias;
  }
  if (GLANCE_POLICY_NAMES.has(name.toLowerCase())) {
    return name.toLowerCase();
  }

  let best: string | undefined;
  let bestDistance = MAX_SUGGESTION_DISTANCE + 1;
  // The set is iterated in sorted order, so ties resolve the same way every time.
  for (const candidate of GLANCE_POLICY_NAMES) {
    const distance = editDistance(name.toLowerCase(), candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

export { editDistance };

"""Evaluate rendered property-protections.conf files with Glance's own code.

Reads a JSON manifest (path in argv[1]) with "cases" and "patterns" and
prints one JSON object with a result for each.

Each case names a property-protections.conf file, its rule format, an
optional policy.yaml and a list of queries [property, operation, roles].
The script loads glance.common.property_utils.PropertyRules as glance-api
does and returns the load error, if any, or the check_property_rules result
of each query. A policy.yaml is also loaded by oslo.policy, and its parsed
content is returned for comparison with the spec.

"patterns" lists regular expressions and names. For each pattern the output
reports whether re.compile accepts it and which names re.search matches.

Run with the system Python that has python3-glance installed.
"""

import configparser
import json
import re
import sys

from oslo_config import cfg
from oslo_policy import policy as oslo_policy

import glance.api.policy
from glance import context as glance_context
from glance.common import property_utils

CONF = cfg.CONF


def evaluate(case):
    CONF.set_override('property_protection_file', case['confPath'])
    CONF.set_override('property_protection_rule_format', case['format'])
    if case.get('policyPath'):
        CONF.set_override('policy_file', case['policyPath'], group='oslo_policy')
    else:
        CONF.clear_override('policy_file', group='oslo_policy')

    # Glance keeps one module-level parser; a fresh one per case keeps cases apart.
    property_utils.CONFIG = configparser.ConfigParser()
    enforcer = glance.api.policy.Enforcer(suppress_deprecation_warnings=True)
    result = {'id': case['id']}

    if case.get('policyPath'):
        try:
            enforcer.load_rules(force_reload=True)
            with open(case['policyPath'], encoding='utf-8') as policy_file:
                result['policyRules'] = oslo_policy.parse_file_contents(policy_file.read())
        except Exception as error:  # report any loader failure to the test
            result['policyError'] = f'{type(error).__name__}: {error}'
            return result

    try:
        rules = property_utils.PropertyRules(enforcer)
    except Exception as error:  # report every load failure, as Glance rejects the whole file for any of them
        result['loadError'] = f'{type(error).__name__}: {error}'
        return result

    answers = []
    for property_name, operation, roles in case.get('queries', []):
        context = glance_context.RequestContext(
            roles=list(roles),
            project_id='project',
            user_id='user',
            policy_enforcer=enforcer,
        )
        answers.append(bool(rules.check_property_rules(property_name, operation, context)))
    result['answers'] = answers
    return result


def search_patterns(patterns, names):
    results = []
    for pattern in patterns:
        try:
            compiled = re.compile(pattern)
        except re.error as error:
            results.append({'pattern': pattern, 'error': str(error)})
            continue
        matches = [bool(compiled.search(name)) for name in names]
        results.append({'pattern': pattern, 'matches': matches})
    return results


def main():
    with open(sys.argv[1], encoding='utf-8') as manifest_file:
        manifest = json.load(manifest_file)
    CONF([], project='glance', default_config_files=[], default_config_dirs=[])
    output = {
        'cases': [evaluate(case) for case in manifest.get('cases', [])],
        'patterns': search_patterns(
            manifest.get('patterns', {}).get('patterns', []),
            manifest.get('patterns', {}).get('names', []),
        ),
    }
    json.dump(output, sys.stdout)


if __name__ == '__main__':
    main()

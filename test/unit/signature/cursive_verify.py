"""Run cursive 0.2.3 over test cases read as JSON on stdin; print one verdict per case.

Each case names a data file and the four signature properties, with a PEM file path in place of
the Barbican certificate id. Optional trusted PEM paths make it validate the certificate first, as
Nova does. An optional clock offset in seconds shifts cursive's clock.
"""

import datetime
import json
import sys

from cryptography import x509
from cursive import certificate_utils
from cursive import signature_utils
from oslo_utils import timeutils


def load_certificate(_context, path):
    """Stand in for the key manager: read the certificate from a PEM file."""
    with open(path, 'rb') as f:
        return x509.load_pem_x509_certificate(f.read())


signature_utils.get_certificate = load_certificate


def run(case):
    offset = datetime.timedelta(seconds=case.get('clockOffsetSeconds', 0))
    timeutils.set_time_override(datetime.datetime.utcnow() + offset)
    try:
        if case.get('trusted') is not None:
            certificate_utils.verify_certificate(None, case['certificate'], case['trusted'])
        verifier = signature_utils.get_verifier(
            None, case['certificate'], case['hashMethod'], case['signature'], case['keyType'])
        with open(case['data'], 'rb') as f:
            for chunk in iter(lambda: f.read(65536), b''):
                verifier.update(chunk)
        verifier.verify()
        return {'verified': True, 'error': None}
    except Exception as e:  # every failure is a "not verified" verdict
        return {'verified': False, 'error': '%s: %s' % (type(e).__name__, e)}
    finally:
        timeutils.clear_time_override()


print(json.dumps([run(case) for case in json.load(sys.stdin)]))

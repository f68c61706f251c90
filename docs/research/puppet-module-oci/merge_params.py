#!/usr/bin/env python3
"""class-params.json = manifest parameters (extract_params.rb) annotated with what
OCI's enc.php sets (enc_php_params.py)."""
import json
allp = json.load(open('/tmp/enc-research/class-params-all.json'))
enc = json.load(open('/tmp/enc-research/enc-php-params.json'))
keep = ['controller', 'compute', 'network', 'volume', 'sql', 'messaging', 'cephmon', 'cephosd', 'swiftproxy',
        'swiftstore', 'dns', 'debmirror', 'tempest', 'generic', 'filebeat']
out = {}
for k in keep:
    cls = 'oci::' + k
    out[cls] = {}
    for p, v in allp[cls].items():
        srcs = enc.get(cls, {}).get(p, [])
        out[cls][p] = {
            'type': v['type'],                 # null: untyped (Any); no class in 42.2.5 declares types
            'default': v['default'],           # Puppet source text of the default
            'default_value': v['value'],       # JSON value when the default is a literal (undef -> null)
            'default_is_literal': v['literal'],
            'manifest_line': v['line'],
            'set_by_enc_php': bool(srcs),
            'enc_php_sources': sorted(set(s['source'] for s in srcs)),
            'enc_php_lines': sorted(set(s['line'] for s in srcs if s['line'])),
        }
json.dump(out, open('/tmp/enc-research/class-params.json', 'w'), indent=1)
for cls, ps in out.items():
    print(cls, len(ps), 'set by enc.php:', sum(1 for p in ps.values() if p['set_by_enc_php']))

#!/usr/bin/env python3
"""The Elasticsearch ingest pipeline and index template, made from one table
(ECS below) and sightline's own field catalogue, so the two files can never
disagree with each other or with the sensor that writes the events.

  siemgen.py SIGHTLINE --write   rewrite elastic/sightline-pipeline.json and
                                 elastic/sightline-template.json beside this file
  siemgen.py SIGHTLINE --check   exit 1 and name the file when either differs
  siemgen.py SIGHTLINE --readme  print README's "what lands where" table

The pipeline parses the raw EVE line (`message`) into `sightline.*`, then
moves each field ECS has a place for out of it (rename) and derives the
event.* categorisation; whatever ECS has no place for stays, verbatim, under
`sightline.*`.  It uses only json, date, rename, set, convert, gsub,
lowercase, uppercase, split, append and remove, with `if` conditions of one
small form (tests/siem/siem.py runs the same steps over real events)."""
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PIPELINE = os.path.join(HERE, 'elastic', 'sightline-pipeline.json')
TEMPLATE = os.path.join(HERE, 'elastic', 'sightline-template.json')
NS = 'sightline'

# Time as sightline writes it (README "Output"): microseconds and a +hhmm offset.
SL_DATE_FORMAT = "yyyy-MM-dd'T'HH:mm:ss.SSSSSSZ||strict_date_optional_time||epoch_millis"

# ---- the catalogue ----

SCALAR = {'string': 'keyword', 'uint': 'long', 'int': 'long', 'u64': 'long', 'i64': 'long',
          'double': 'double', 'float': 'double', 'bool': 'boolean', 'ip': 'ip', 'time': 'date',
          'object': 'object'}


def _schema_walk(node, path, out, defs):
    """Dotted field names and catalogue types out of a JSON Schema (sightline --schema)."""
    if not isinstance(node, dict):
        return
    ref = node.get('$ref')
    if ref and ref.startswith('#/'):
        target = defs
        for part in ref[2:].split('/'):
            target = target.get(part, {})
        _schema_walk(target, path, out, defs)
    for key in ('oneOf', 'anyOf', 'allOf'):
        for sub in node.get(key, []):
            _schema_walk(sub, path, out, defs)
    for key in ('then', 'else'):
        _schema_walk(node.get(key), path, out, defs)
    t = node.get('type')
    if isinstance(t, list):
        t = next((x for x in t if x != 'null'), None)
    props = node.get('properties')
    if props:
        for name, sub in props.items():
            _schema_walk(sub, path + [name], out, defs)
        return
    if t == 'array':
        items = node.get('items', {})
        sub = {}
        _schema_walk(items, path, sub, defs)
        for k, v in sub.items():
            out.setdefault(k, set()).update(x if x.endswith('[]') else x + '[]' for x in v)
        if not sub and path:
            out.setdefault('.'.join(path), set()).add('string[]')
        return
    if not path or t is None:
        return
    fmt = node.get('format', '')
    if t == 'string':
        kind = 'ip' if fmt in ('ip', 'ipv4', 'ipv6') else 'time' if fmt == 'date-time' else 'string'
    else:
        kind = {'integer': 'int', 'number': 'double', 'boolean': 'bool', 'object': 'object'}.get(t, t)
    out.setdefault('.'.join(path), set()).add(kind)


def catalogue(sightline):
    """{dotted field: set of catalogue types}, and where it came from: `--schema`
    (every event type) when this sightline has it, else `--list-fields`."""
    r = subprocess.run([sightline, '--schema'], capture_output=True, text=True)
    if r.returncode == 0 and r.stdout.lstrip().startswith('{'):
        schema = json.loads(r.stdout)
        out = {}
        _schema_walk(schema, [], out, schema)
        return out, '--schema'
    r = subprocess.run([sightline, '--list-fields'], capture_output=True, text=True, check=True)
    out = {}
    for line in r.stdout.splitlines()[1:]:
        parts = line.split(None, 2)
        if len(parts) >= 2:
            name = parts[0].replace('[]', '').replace('{}', '')
            out.setdefault(name, set()).add(parts[1])
    return out, '--list-fields'


def es_type(kind):
    base = kind[:-2] if kind.endswith('[]') else kind
    if base not in SCALAR:
        raise ValueError('catalogue type %r has no Elasticsearch type in siemgen.SCALAR' % kind)
    return SCALAR[base]


# ---- the ECS table ----
# (sightline field, ECS field, ECS type): the sightline field is MOVED there.
MOVES = [
    ('host', 'observer.name', 'keyword'),
    ('in_iface', 'observer.ingress.interface.name', 'keyword'),
    ('src_ip', 'source.ip', 'ip'),
    ('src_port', 'source.port', 'long'),
    ('dest_ip', 'destination.ip', 'ip'),
    ('dest_port', 'destination.port', 'long'),
    ('community_id', 'network.community_id', 'keyword'),
    ('app_proto', 'network.protocol', 'keyword'),
    ('flow.pkts_toserver', 'source.packets', 'long'),
    ('flow.pkts_toclient', 'destination.packets', 'long'),
    ('flow.bytes_toserver', 'source.bytes', 'long'),
    ('flow.bytes_toclient', 'destination.bytes', 'long'),
    ('tls.sni', 'tls.client.server_name', 'keyword'),
    ('tls.ja3.hash', 'tls.client.ja3', 'keyword'),
    ('tls.ja3s.hash', 'tls.server.ja3s', 'keyword'),
    ('tls.alpn_server', 'tls.next_protocol', 'keyword'),
    ('tls.cert.subject', 'tls.server.subject', 'keyword'),
    ('tls.cert.issuer', 'tls.server.issuer', 'keyword'),
    ('tls.cert.sha1', 'tls.server.hash.sha1', 'keyword'),
    ('http.http_method', 'http.request.method', 'keyword'),
    ('http.url', 'url.original', 'wildcard'),
    ('http.hostname', 'url.domain', 'keyword'),
    ('http.http_user_agent', 'user_agent.original', 'keyword'),
    ('dns.rrname', 'dns.question.name', 'keyword'),
    ('dns.rrtype', 'dns.question.type', 'keyword'),
    ('dns.rcode', 'dns.response_code', 'keyword'),
    ('alert.signature_id', 'rule.id', 'keyword'),
    ('alert.rule_id', 'rule.uuid', 'keyword'),
    ('alert.signature', 'rule.name', 'keyword'),
    ('alert.category', 'rule.category', 'keyword'),
    ('alert.rev', 'rule.version', 'keyword'),
    ('alert.metadata.references', 'rule.reference', 'keyword'),
    ('alert.severity', 'event.severity', 'long'),
    ('alert.score', 'event.risk_score', 'float'),
    ('alert.action', 'event.action', 'keyword'),
]
for side, ecs in (('src', 'source'), ('dest', 'destination')):
    MOVES += [
        (side + '.geo.country', ecs + '.geo.country_iso_code', 'keyword'),
        (side + '.geo.country_name', ecs + '.geo.country_name', 'keyword'),
        (side + '.geo.city', ecs + '.geo.city_name', 'keyword'),
        (side + '.geo.timezone', ecs + '.geo.timezone', 'keyword'),
        (side + '.geo.lat', ecs + '.geo.location.lat', 'geo_point'),
        (side + '.geo.lon', ecs + '.geo.location.lon', 'geo_point'),
        (side + '.geo.asn', ecs + '.as.number', 'long'),
        (side + '.geo.as_org', ecs + '.as.organization.name', 'keyword'),
        (side + '.dns_name', ecs + '.domain', 'keyword'),
    ]
# Read into an ECS field by a transformation; the sightline field stays (its
# form differs from ECS's: "TLS 1.2" vs "1.2", "TCP" vs "tcp").
COPIES = [
    ('proto', 'network.transport', 'keyword'),
    ('tls.version', 'tls.version', 'keyword'),
    ('tls.version', 'tls.version_protocol', 'keyword'),
    ('tls.cert.san', 'tls.server.x509.alternative_names', 'keyword'),
    ('http.protocol', 'http.version', 'keyword'),
    ('signin.account', 'user.name', 'keyword'),
    ('subject.account', 'user.name', 'keyword'),
    ('subject.name', 'user.full_name', 'keyword'),
    ('signin.outcome', 'event.outcome', 'keyword'),
    ('flow.start', 'event.start', 'date'),
    ('flow.end', 'event.end', 'date'),
    ('timestamp', '@timestamp', 'date'),
]
# Written by the pipeline itself (constants, categorisation, related.*).
DERIVED = [
    ('event.module', 'keyword'), ('event.dataset', 'keyword'), ('event.kind', 'keyword'),
    ('event.category', 'keyword'), ('event.type', 'keyword'),
    ('observer.vendor', 'keyword'), ('observer.product', 'keyword'), ('observer.type', 'keyword'),
    ('related.ip', 'ip'), ('related.user', 'keyword'), ('error.message', 'match_only_text'),
]
# sightline fields the pipeline drops: their content is in @timestamp / event.*.
REMOVED = ['timestamp', 'flow.start', 'flow.end']

# event.kind / category / type by event_type (ECS allowed values).
KINDS = [
    ("ctx.sightline?.event_type == 'flow'", 'event', ['network'], ['connection', 'end']),
    ("ctx.sightline?.event_type == 'flow' && ctx.sightline?.flow?.interim == true",
     'event', ['network'], ['connection', 'info']),
    ("ctx.sightline?.event_type == 'alert'", 'alert', ['network', 'intrusion_detection'], ['info']),
    ("ctx.sightline?.event_type == 'alert' && ctx.sightline?.alert?.scope == 'subject'",
     'alert', ['intrusion_detection'], ['info']),
    ("ctx.sightline?.event_type == 'alert' && ctx.sightline?.alert?.scope == 'signin'",
     'alert', ['authentication', 'intrusion_detection'], ['info']),
    ("ctx.sightline?.event_type == 'signin'", 'event', ['authentication'], ['start']),
    ("ctx.sightline?.event_type == 'subject'", 'state', None, None),
    ("ctx.sightline?.event_type == 'stats'", 'metric', None, None),
]


def cond_has(field):
    """The `if` that a sightline field is present: ctx.sightline?.a?.b != null."""
    return 'ctx.%s?.%s != null' % (NS, '?.'.join(field.split('.')))


def pipeline():
    p = []
    add = p.append
    add({'json': {'tag': 'parse', 'field': 'message', 'target_field': NS,
                  'if': 'ctx.%s == null' % NS,
                  'description': 'the EVE line as the shipper read it; skipped when it '
                                 'already decoded it into sightline'}})
    add({'remove': {'field': 'message', 'ignore_missing': True}})
    add({'date': {'field': NS + '.timestamp', 'target_field': '@timestamp',
                  'formats': ['ISO8601'], 'timezone': 'UTC'}})
    for f in ('flow.start', 'flow.end'):
        add({'date': {'field': NS + '.' + f, 'target_field': 'event.' + f.split('.')[1],
                      'formats': ['ISO8601'], 'timezone': 'UTC', 'if': cond_has(f)}})
    for f in REMOVED:
        add({'remove': {'field': NS + '.' + f, 'ignore_missing': True}})
    add({'set': {'field': 'event.module', 'value': 'sightline'}})
    add({'set': {'field': 'event.dataset', 'value': 'sightline.{{{%s.event_type}}}' % NS}})
    add({'set': {'field': 'observer.vendor', 'value': 'sightline'}})
    add({'set': {'field': 'observer.product', 'value': 'sightline'}})
    add({'set': {'field': 'observer.type', 'value': 'sensor'}})
    for cond, kind, cat, typ in KINDS:
        add({'set': {'field': 'event.kind', 'value': kind, 'if': cond}})
        if cat:
            add({'set': {'field': 'event.category', 'value': cat, 'if': cond}})
            add({'set': {'field': 'event.type', 'value': typ, 'if': cond}})
    for src, dst, _ in MOVES:
        add({'rename': {'field': NS + '.' + src, 'target_field': dst, 'ignore_missing': True}})
    add({'convert': {'field': 'rule.id', 'type': 'string', 'ignore_missing': True}})
    add({'convert': {'field': 'rule.version', 'type': 'string', 'ignore_missing': True}})
    add({'convert': {'field': 'event.risk_score', 'type': 'float', 'ignore_missing': True}})
    add({'uppercase': {'field': 'tls.server.hash.sha1', 'ignore_missing': True}})
    # network.transport: ECS wants the lowercase IANA keyword (tcp, udp, ipv6-icmp).
    add({'set': {'field': 'network.transport', 'copy_from': NS + '.proto', 'if': cond_has('proto')}})
    add({'lowercase': {'field': 'network.transport', 'ignore_missing': True}})
    # tls.version "1.2" and tls.version_protocol "tls" out of "TLS 1.2".
    add({'set': {'field': 'tls.version', 'copy_from': NS + '.tls.version', 'if': cond_has('tls.version')}})
    add({'gsub': {'field': 'tls.version', 'pattern': '^(?:TLS|SSL) ', 'replacement': '',
                  'ignore_missing': True}})
    add({'set': {'field': 'tls.version_protocol', 'copy_from': NS + '.tls.version',
                 'if': cond_has('tls.version')}})
    add({'gsub': {'field': 'tls.version_protocol', 'pattern': '^(TLS|SSL) .*$', 'replacement': '$1',
                  'ignore_missing': True}})
    add({'lowercase': {'field': 'tls.version_protocol', 'ignore_missing': True}})
    add({'set': {'field': 'tls.server.x509.alternative_names', 'copy_from': NS + '.tls.cert.san',
                 'if': cond_has('tls.cert.san')}})
    add({'split': {'field': 'tls.server.x509.alternative_names', 'separator': ',',
                   'ignore_missing': True}})
    add({'set': {'field': 'http.version', 'copy_from': NS + '.http.protocol',
                 'if': cond_has('http.protocol')}})
    add({'gsub': {'field': 'http.version', 'pattern': '^HTTP/', 'replacement': '',
                  'ignore_missing': True}})
    # Who: the account signing in, else the account bound to the flow's address.
    add({'set': {'field': 'user.name', 'copy_from': NS + '.signin.account',
                 'if': cond_has('signin.account')}})
    add({'set': {'field': 'user.name', 'copy_from': NS + '.subject.account', 'override': False,
                 'if': cond_has('subject.account')}})
    add({'set': {'field': 'user.full_name', 'copy_from': NS + '.subject.name',
                 'if': cond_has('subject.name')}})
    add({'set': {'field': 'event.outcome', 'copy_from': NS + '.signin.outcome',
                 'if': cond_has('signin.outcome')}})
    for f in ('source.ip', 'destination.ip'):
        add({'append': {'field': 'related.ip', 'value': '{{{%s}}}' % f, 'allow_duplicates': False,
                        'if': 'ctx.%s != null' % '?.'.join(f.split('.'))}})
    add({'append': {'field': 'related.user', 'value': '{{{user.name}}}', 'allow_duplicates': False,
                    'if': 'ctx.user?.name != null'}})
    return {
        'description': 'sightline EVE events onto ECS: ECS fields where ECS has the fact, '
                       'the rest verbatim under sightline.* (made by sensor/dist/siem/siemgen.py)',
        'processors': p,
        'on_failure': [
            {'set': {'field': 'event.kind', 'value': 'pipeline_error'}},
            {'set': {'field': 'error.message', 'value': '{{{ _ingest.on_failure_message }}}'}},
        ],
    }


# ---- the template ----

def _put(tree, dotted, mapping, what):
    parts = dotted.split('.')
    node = tree
    for i, part in enumerate(parts[:-1]):
        child = node.setdefault(part, {'properties': {}})
        if 'properties' not in child:
            if child.get('type') == 'geo_point':
                return
            raise ValueError('%s: %s is mapped as %s and has fields under it' %
                             (what, '.'.join(parts[:i + 1]), child.get('type')))
        node = child['properties']
    old = node.get(parts[-1])
    if old and old != mapping and not ('properties' in old and mapping.get('type') == 'object'):
        raise ValueError('%s: %s mapped twice (%s, %s)' % (what, dotted, old, mapping))
    if not old:
        node[parts[-1]] = mapping


def ecs_mapping(t):
    m = {'type': t}
    if t == 'keyword':
        m['ignore_above'] = 1024
    return m


def sl_mapping(kinds, name):
    types = sorted({es_type(k) for k in kinds})
    if len(types) > 1:
        raise ValueError('sightline declares %s with types %s: one field, one type' %
                         (name, ', '.join(sorted(kinds))))
    t = types[0]
    if t == 'keyword':
        return {'type': 'keyword', 'ignore_above': 8191}
    if t == 'date':
        return {'type': 'date', 'format': SL_DATE_FORMAT}
    if t == 'object':
        return {'type': 'object', 'enabled': True}
    return {'type': t}


def template(cat):
    props = {}
    moved = {src for src, _, _ in MOVES} | set(REMOVED)
    for src, dst, t in MOVES + COPIES:
        _put(props, dst if not dst.endswith(('.lat', '.lon')) or t != 'geo_point'
             else dst.rsplit('.', 1)[0], ecs_mapping(t), 'ECS')
    for dst, t in DERIVED:
        _put(props, dst, ecs_mapping(t), 'ECS')
    sl = {}
    for name in sorted(cat):
        if name in moved:
            continue
        _put(sl, name, sl_mapping(cat[name], name), 'sightline')
    # stats events are counters by the hundred, added release by release:
    # those the catalogue does not declare are mapped as they come (numbers
    # long/double, text keyword) rather than left unindexed.
    sl.setdefault('stats', {'type': 'object'})['dynamic'] = True
    props[NS] = {'properties': sl}
    return {
        'index_patterns': ['sightline-*'],
        'priority': 200,
        'template': {
            'settings': {'index.default_pipeline': 'sightline',
                         'index.mapping.total_fields.limit': 2000},
            'mappings': {
                'dynamic': False,
                'date_detection': False,
                'dynamic_templates': [
                    {'stats_text': {'path_match': NS + '.stats.*', 'match_mapping_type': 'string',
                                    'mapping': {'type': 'keyword', 'ignore_above': 1024}}},
                ],
                'properties': props,
            },
        },
        '_meta': {'description': 'sightline events: ECS fields and sightline.* '
                                 '(made by sensor/dist/siem/siemgen.py from sightline\'s catalogue)'},
    }


def dump(obj):
    return json.dumps(obj, indent=2, sort_keys=False) + '\n'


def readme_table():
    rows = ['| sightline field | lands in (ECS) |', '|---|---|']
    for src, dst, _ in MOVES:
        rows.append('| `%s` | `%s` |' % (src, dst))
    seen = set()
    for src, dst, _ in COPIES:
        if (src, dst) not in seen:
            seen.add((src, dst))
            rows.append('| `%s` (also kept) | `%s` |' % (src, dst) if src not in REMOVED
                        else '| `%s` | `%s` |' % (src, dst))
    return '\n'.join(rows) + '\n'


def main(argv):
    if len(argv) != 3 or argv[2] not in ('--write', '--check', '--readme'):
        print(__doc__, file=sys.stderr)
        return 2
    if argv[2] == '--readme':
        sys.stdout.write(readme_table())
        return 0
    cat, _ = catalogue(argv[1])
    want = {PIPELINE: dump(pipeline()), TEMPLATE: dump(template(cat))}
    status = 0
    for path, text in want.items():
        if argv[2] == '--write':
            with open(path, 'w') as f:
                f.write(text)
        elif not os.path.exists(path) or open(path).read() != text:
            print('%s is not what siemgen.py makes from this sightline\'s catalogue; '
                  'run: %s %s --write' % (os.path.relpath(path), os.path.relpath(__file__), argv[1]))
            status = 1
    return status


if __name__ == '__main__':
    sys.exit(main(sys.argv))

#!/usr/bin/env python3
"""The Elasticsearch pipeline/template and the Splunk add-on, checked without
Elasticsearch or Splunk (sensor/dist/siem):

  siem.py SIGHTLINE SOURCE ecs        every ECS field the pipeline writes or the template
                                      maps exists in ECS with that type (skips without
                                      ../shared/reference/ecs-fields.csv)
  siem.py SIGHTLINE SOURCE fields     every sightline field the pipeline, props.conf,
                                      transforms.conf and eventtypes.conf read is in the
                                      catalogue (--schema, else --list-fields); names the missing
  siem.py SIGHTLINE SOURCE generated  the committed pipeline/template are what siemgen.py
                                      makes from this sightline's catalogue
  siem.py SIGHTLINE SOURCE elastic    real events (project captures, with alerts, subjects
                                      and sign-ins) through the pipeline's processors,
                                      re-implemented here, and the documents against the
                                      template's mappings
  siem.py SIGHTLINE SOURCE splunk     props/transforms/eventtypes/tags: CIM field and tag
                                      names, the time format and the host regex on real events"""
import collections
import csv
import datetime
import ipaddress
import json
import os
import re
import subprocess
import sys
import tempfile

SKIP = 77
failures = []


def bad(msg):
    failures.append(msg)
    print('FAIL: ' + msg)


SIGHTLINE, SRC, CASE = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2]), sys.argv[3]
sys.path.insert(0, os.path.join(SRC, 'sensor', 'dist', 'siem'))
import siemgen  # noqa: E402

ECS_CSV = os.path.join(SRC, '..', 'shared', 'reference', 'ecs-fields.csv')
SPLUNK = os.path.join(SRC, 'sensor', 'dist', 'siem', 'splunk', 'TA-sightline', 'default')
NS = 'sightline'

# ECS categorisation allowed values (https://www.elastic.co/guide/en/ecs/current/
# ecs-allowed-values-event-kind.html, -event-category.html, -event-type.html).
ECS_KIND = {'alert', 'asset', 'enrichment', 'event', 'metric', 'state', 'pipeline_error', 'signal'}
ECS_CATEGORY = {'api', 'authentication', 'configuration', 'database', 'driver', 'email', 'file',
                'host', 'iam', 'intrusion_detection', 'library', 'malware', 'network', 'package',
                'process', 'registry', 'session', 'threat', 'vulnerability', 'web'}
ECS_TYPE = {'access', 'admin', 'allowed', 'change', 'connection', 'creation', 'deletion', 'denied',
            'device', 'end', 'error', 'group', 'indicator', 'info', 'installation', 'protocol',
            'start', 'user'}

# Splunk CIM field lists (Common Information Model 5.x/6.x reference,
# https://help.splunk.com/data-management/common-information-model/5.1/data-models/network-traffic
# and .../intrusion-detection): the fields an alias or eval may produce.
CIM_NETWORK_TRAFFIC = {
    'action', 'app', 'bytes', 'bytes_in', 'bytes_out', 'channel', 'dest', 'dest_interface',
    'dest_ip', 'dest_mac', 'dest_port', 'dest_priority', 'dest_translated_ip',
    'dest_translated_port', 'dest_zone', 'direction', 'duration', 'dvc', 'dvc_ip', 'dvc_mac',
    'flow_id', 'icmp_code', 'icmp_type', 'packets', 'packets_in', 'packets_out', 'process_id',
    'protocol', 'protocol_version', 'response_time', 'rule', 'session_id', 'src',
    'src_interface', 'src_ip', 'src_mac', 'src_port', 'src_priority', 'src_translated_ip',
    'src_translated_port', 'src_zone', 'ssid', 'tcp_flag', 'tos', 'transport', 'ttl', 'user',
    'vendor_account', 'vendor_product', 'vlan', 'wifi'}
CIM_INTRUSION_DETECTION = {
    'action', 'category', 'dest', 'dest_bunit', 'dest_category', 'dest_ip', 'dest_port',
    'dest_priority', 'dvc', 'dvc_bunit', 'dvc_category', 'dvc_priority', 'file_hash', 'file_name',
    'file_path', 'ids_type', 'severity', 'severity_id', 'signature', 'signature_id', 'src',
    'src_bunit', 'src_category', 'src_ip', 'src_port', 'src_priority', 'transport', 'user',
    'user_bunit', 'user_category', 'user_priority', 'vendor_product'}
# .../authentication (sign-ins; tags: authentication).
CIM_AUTHENTICATION = {
    'action', 'app', 'authentication_method', 'authentication_service', 'dest', 'dest_bunit',
    'dest_category', 'dest_nt_domain', 'dest_priority', 'duration', 'reason', 'response_time',
    'signature', 'signature_id', 'src', 'src_bunit', 'src_category', 'src_nt_domain',
    'src_priority', 'src_user', 'src_user_bunit', 'src_user_category', 'src_user_id',
    'src_user_priority', 'src_user_role', 'tag', 'user', 'user_agent', 'user_bunit',
    'user_category', 'user_id', 'user_priority', 'user_role', 'vendor_account'}
CIM_TAGS = {'network', 'communicate', 'ids', 'attack', 'authentication'}
# What an eval may call (Splunk eval functions used here).
EVAL_FUNCS = {'lower', 'if', 'isnotnull', 'null', 'coalesce', 'case', 'upper', 'tostring'}


def load_json(name):
    with open(os.path.join(SRC, 'sensor', 'dist', 'siem', 'elastic', name)) as f:
        return json.load(f)


PIPELINE = load_json('sightline-pipeline.json')
TEMPLATE = load_json('sightline-template.json')
MAPPINGS = TEMPLATE['template']['mappings']


# ---- the pipeline's conditions: one small form, refused otherwise ----

COND_TOKEN = re.compile(r"\s*(?:(ctx(?:\??\.[A-Za-z_@][\w]*)*)|(==|!=|&&|\|\|)|'([^']*)'|(null|true|false))")


def parse_cond(text):
    """ctx paths compared (== / !=) with a quoted string, null, true or false,
    joined by && or ||; anything else is an error (an emulation we could get wrong)."""
    toks, pos = [], 0
    while pos < len(text):
        m = COND_TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise ValueError('condition outside the emulated form: %r' % text)
        pos = m.end()
        if m.group(1):
            toks.append(('path', [p for p in re.split(r'\??\.', m.group(1))[1:]]))
        elif m.group(2):
            toks.append(('op', m.group(2)))
        elif m.group(3) is not None:
            toks.append(('lit', m.group(3)))
        else:
            toks.append(('lit', {'null': None, 'true': True, 'false': False}[m.group(4)]))
    terms, joins = [], []
    i = 0
    while i < len(toks):
        if i + 2 >= len(toks) or toks[i][0] != 'path' or toks[i + 1][1] not in ('==', '!=') \
                or toks[i + 2][0] != 'lit':
            raise ValueError('condition outside the emulated form: %r' % text)
        terms.append((toks[i][1], toks[i + 1][1], toks[i + 2][1]))
        i += 3
        if i < len(toks):
            if toks[i][1] not in ('&&', '||'):
                raise ValueError('condition outside the emulated form: %r' % text)
            joins.append(toks[i][1])
            i += 1
    if len(set(joins)) > 1:
        raise ValueError('condition mixes && and ||: %r' % text)
    return terms, (joins[0] if joins else '&&')


def cond_fields(text):
    terms, _ = parse_cond(text)
    return ['.'.join(p) for p, _, _ in terms]


def eval_cond(text, doc):
    terms, join = parse_cond(text)
    results = []
    for path, op, lit in terms:
        v = get(doc, '.'.join(path))
        results.append((v == lit) if op == '==' else (v != lit))
    return all(results) if join == '&&' else any(results)


# ---- an ingest document ----

MISSING = object()


def get(doc, path, default=None):
    node = doc
    for part in path.split('.'):
        if not isinstance(node, dict) or part not in node:
            return default
        node = node[part]
    return node


def put(doc, path, value):
    parts = path.split('.')
    node = doc
    for part in parts[:-1]:
        nxt = node.get(part)
        if nxt is None:
            nxt = node[part] = {}
        elif not isinstance(nxt, dict):
            raise ValueError('cannot add field [%s]: [%s] is not an object' % (path, part))
        node = nxt
    node[parts[-1]] = value


def delete(doc, path):
    parts = path.split('.')
    node = get(doc, '.'.join(parts[:-1])) if len(parts) > 1 else doc
    if isinstance(node, dict) and parts[-1] in node:
        del node[parts[-1]]
        return True
    return False


def mustache(template, doc, ingest):
    def sub(m):
        name = m.group(1).strip()
        v = ingest.get(name[len('_ingest.'):]) if name.startswith('_ingest.') else get(doc, name)
        if v is None:
            return ''
        if isinstance(v, bool):
            return 'true' if v else 'false'
        return v if isinstance(v, str) else json.dumps(v)
    return re.sub(r'\{\{\{?([^}]+?)\}?\}\}', sub, template)


def iso8601(value):
    """The date processor's ISO8601 format, output as its default
    yyyy-MM-dd'T'HH:mm:ss.SSSXXX in UTC."""
    m = re.fullmatch(r'(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:?\d\d)?', value)
    if not m:
        raise ValueError('unable to parse date [%s]' % value)
    t = datetime.datetime.strptime(m.group(1), '%Y-%m-%dT%H:%M:%S')
    frac = (m.group(2) or '0')[:6].ljust(6, '0')
    t = t.replace(microsecond=int(frac))
    off = m.group(3) or 'Z'
    if off != 'Z':
        sign = -1 if off[0] == '-' else 1
        hh, mm = int(off[1:3]), int(off[-2:])
        t -= sign * datetime.timedelta(hours=hh, minutes=mm)
    return t.strftime('%Y-%m-%dT%H:%M:%S.') + '%03dZ' % (t.microsecond // 1000)


def convert(value, kind):
    if isinstance(value, list):
        return [convert(v, kind) for v in value]
    if kind == 'string':
        return ('true' if value else 'false') if isinstance(value, bool) else str(value)
    if kind in ('integer', 'long'):
        return int(value)
    if kind in ('float', 'double'):
        return float(value)
    if kind == 'boolean':
        if isinstance(value, bool):
            return value
        if str(value).lower() in ('true', 'false'):
            return str(value).lower() == 'true'
        raise ValueError('[%s] is not a boolean value' % value)
    raise ValueError('convert type %s not emulated' % kind)


def java_replacement(r):
    return re.sub(r'\$(\d)', r'\\g<\1>', r)


def run_processor(kind, opt, doc, ingest):
    if 'if' in opt and not eval_cond(opt['if'], doc):
        return
    known = {'json': {'field', 'target_field'}, 'remove': {'field', 'ignore_missing'},
             'date': {'field', 'target_field', 'formats', 'timezone'},
             'set': {'field', 'value', 'copy_from', 'override'},
             'rename': {'field', 'target_field', 'ignore_missing'},
             'convert': {'field', 'type', 'ignore_missing'},
             'lowercase': {'field', 'ignore_missing'}, 'uppercase': {'field', 'ignore_missing'},
             'gsub': {'field', 'pattern', 'replacement', 'ignore_missing'},
             'split': {'field', 'separator', 'ignore_missing'},
             'append': {'field', 'value', 'allow_duplicates'}}
    if kind not in known:
        raise AssertionError('processor %s is not emulated: keep the pipeline to %s' %
                             (kind, ', '.join(sorted(known))))
    extra = set(opt) - known[kind] - {'if', 'tag', 'description'}
    if extra:
        raise AssertionError('%s option(s) %s not emulated' % (kind, ', '.join(sorted(extra))))
    field = opt['field']
    cur = get(doc, field, MISSING)
    if kind in ('remove', 'rename', 'convert', 'lowercase', 'uppercase', 'gsub', 'split') and \
            cur is MISSING:
        if opt.get('ignore_missing'):
            return
        raise ValueError('field [%s] not present as part of path [%s]' % (field, field))
    if kind == 'json':
        if cur is MISSING:
            raise ValueError('field [%s] not present as part of path [%s]' % (field, field))
        put(doc, opt['target_field'], json.loads(cur))
    elif kind == 'remove':
        delete(doc, field)
    elif kind == 'date':
        if cur is MISSING:
            raise ValueError('field [%s] not present as part of path [%s]' % (field, field))
        if opt['formats'] != ['ISO8601'] or opt.get('timezone', 'UTC') != 'UTC':
            raise AssertionError('date formats other than ISO8601 (UTC) not emulated')
        put(doc, opt.get('target_field', '@timestamp'), iso8601(cur))
    elif kind == 'set':
        if not opt.get('override', True) and get(doc, field) is not None:
            return
        if 'copy_from' in opt:
            src = get(doc, opt['copy_from'], MISSING)
            if src is MISSING:
                raise ValueError('field [%s] not present as part of path [%s]' %
                                 (opt['copy_from'], opt['copy_from']))
            put(doc, field, json.loads(json.dumps(src)))
        else:
            v = opt['value']
            put(doc, field, mustache(v, doc, ingest) if isinstance(v, str) else list(v)
                if isinstance(v, list) else v)
    elif kind == 'rename':
        if get(doc, opt['target_field'], MISSING) is not MISSING:
            raise ValueError('field [%s] already exists' % opt['target_field'])
        delete(doc, field)
        put(doc, opt['target_field'], cur)
    elif kind == 'convert':
        put(doc, field, convert(cur, opt['type']))
    elif kind in ('lowercase', 'uppercase', 'gsub', 'split'):
        if not isinstance(cur, str):
            raise ValueError('field [%s] of type [%s] cannot be cast to [java.lang.String]' %
                             (field, type(cur).__name__))
        if kind == 'lowercase':
            put(doc, field, cur.lower())
        elif kind == 'uppercase':
            put(doc, field, cur.upper())
        elif kind == 'gsub':
            put(doc, field, re.sub(opt['pattern'], java_replacement(opt['replacement']), cur))
        else:
            put(doc, field, re.split(opt['separator'], cur))
    elif kind == 'append':
        v = mustache(opt['value'], doc, ingest)
        old = get(doc, field)
        vals = old if isinstance(old, list) else ([] if old is None else [old])
        if opt.get('allow_duplicates', True) or v not in vals:
            vals = vals + [v]
        put(doc, field, vals)


def ingest(line):
    doc = {'message': line}
    for proc in PIPELINE['processors']:
        (kind, opt), = proc.items()
        try:
            run_processor(kind, opt, doc, {})
        except ValueError as e:
            for p in PIPELINE.get('on_failure', []):
                (k, o), = p.items()
                run_processor(k, o, doc, {'on_failure_message': str(e)})
            return doc, str(e)
    return doc, None


# ---- the template's mappings ----

SL_TIME = re.compile(r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}[+-]\d{4}')
ES_OPTIONAL_TIME = re.compile(r'\d{4}-\d\d-\d\d(?:T\d\d(?::\d\d(?::\d\d(?:[.,]\d{1,9})?)?)?'
                              r'(?:Z|[+-]\d\d(?::?\d\d)?)?)?')


def value_problem(value, m):
    """Why Elasticsearch would reject (or silently change) this value under mapping m."""
    t = m.get('type', 'object')
    if t in ('keyword', 'wildcard', 'match_only_text'):
        return None if isinstance(value, str) else 'a %s where %s wants text' % (type(value).__name__, t)
    if t == 'ip':
        try:
            ipaddress.ip_address(value)
            return None
        except (ValueError, TypeError):
            return '%r is no IP address' % (value,)
    if t == 'date':
        if not isinstance(value, str):
            return 'a %s where date wants text' % type(value).__name__
        fmts = m.get('format', 'strict_date_optional_time||epoch_millis').split('||')
        ok = any((f == 'strict_date_optional_time' and ES_OPTIONAL_TIME.fullmatch(value)) or
                 (f == "yyyy-MM-dd'T'HH:mm:ss.SSSSSSZ" and SL_TIME.fullmatch(value)) for f in fmts)
        return None if ok else '%r matches none of the formats %s' % (value, fmts)
    if t in ('long', 'integer'):
        ok = isinstance(value, int) and not isinstance(value, bool) and -2**63 <= value < 2**63
        return None if ok else '%r is no %s' % (value, t)
    if t in ('float', 'double'):
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        return None if ok else '%r is no %s' % (value, t)
    if t == 'boolean':
        return None if isinstance(value, bool) else '%r is no boolean' % (value,)
    if t == 'geo_point':
        ok = isinstance(value, dict) and set(value) == {'lat', 'lon'} and \
            all(isinstance(value[k], (int, float)) for k in ('lat', 'lon')) and \
            -90 <= value['lat'] <= 90 and -180 <= value['lon'] <= 180
        return None if ok else '%r is no geo_point {lat, lon}' % (value,)
    return 'mapping type %s not checked here' % t


def dyn_type(v):
    if isinstance(v, bool):
        return 'boolean'
    if isinstance(v, int):
        return 'long'
    if isinstance(v, float):
        return 'float'
    if isinstance(v, str):
        return 'keyword'
    return None


def check_doc(node, mapping, path, dynamic, problems, dyn_seen):
    props = mapping.get('properties', {})
    for key, value in node.items():
        p = path + [key]
        name = '.'.join(p)
        m = props.get(key)
        if m is None:
            if dynamic is True or str(dynamic) == 'true':
                walk_dynamic(value, p, problems, dyn_seen)
            else:
                problems[(name, 'not mapped (the template would keep it unindexed)')] += 1
            continue
        values = value if isinstance(value, list) else [value]
        for v in values:
            if 'properties' in m or m.get('type') == 'object':
                if not isinstance(v, dict):
                    problems[(name, 'a %s where the template has an object' % type(v).__name__)] += 1
                    continue
                check_doc(v, m, p, m.get('dynamic', dynamic), problems, dyn_seen)
            else:
                why = value_problem(v, m)
                if why:
                    problems[(name, why if len(why) < 120 else why[:117] + '...')] += 1


def walk_dynamic(value, p, problems, dyn_seen):
    for v in value if isinstance(value, list) else [value]:
        if isinstance(v, dict):
            for k, sub in v.items():
                walk_dynamic(sub, p + [k], problems, dyn_seen)
            continue
        t = dyn_type(v)
        name = '.'.join(p)
        first = dyn_seen.setdefault(name, t)
        if t != first:
            problems[(name, 'dynamically mapped as %s, later a %s' % (first, t))] += 1


# ---- events from the project's captures ----

def run(args, cwd=SRC):
    with tempfile.TemporaryDirectory(prefix='sl-siem-') as tmp:
        out = os.path.join(tmp, 'eve.json')
        r = subprocess.run([SIGHTLINE, '-q', '-o', out] + args, cwd=cwd, capture_output=True, text=True)
        if r.returncode not in (0, 1) or not os.path.exists(out):
            raise RuntimeError('sightline %s exited %d: %s' % (' '.join(args), r.returncode, r.stderr[-300:]))
        with open(out) as f:
            return [l.rstrip('\n') for l in f if l.strip()]


def real_events():
    real = os.path.join(SRC, 'pcaps', 'real')
    lines = run(['-r'] + sorted(os.path.join(real, f) for f in os.listdir(real)
                                if f.endswith(('.pcap', '.pcapng'))))
    for scen in ('laptop-farm', 'signin-us-vpn-exit', 'pyongyang-hours'):
        d = os.path.join('pcaps', 'scenarios', scen)
        truth = open(os.path.join(SRC, d, 'truth.yaml')).read()
        pcaps = re.findall(r'^\s*-\s*(pcaps/\S+)', truth, re.M)
        lines += run(['-c', os.path.join(d, 'config.yaml')] + (['-r'] + pcaps if pcaps else []))
    return lines


# ---- cases ----

def ecs_fields():
    if not os.path.exists(ECS_CSV):
        print('SKIP: %s is absent (ECS field list, ../shared/reference)' % ECS_CSV)
        sys.exit(SKIP)
    with open(ECS_CSV) as f:
        return {r['Field']: r['Type'] for r in csv.DictReader(f)}


def template_leaves(props, path=()):
    for k, m in props.items():
        p = path + (k,)
        if 'properties' in m:
            yield from template_leaves(m['properties'], p)
        else:
            yield '.'.join(p), m


def pipeline_targets():
    """ECS fields the pipeline writes (its own namespace excluded)."""
    out = set()
    for proc in PIPELINE['processors'] + PIPELINE.get('on_failure', []):
        (kind, opt), = proc.items()
        for key in ('target_field', 'field'):
            f = opt.get(key)
            if f and not f.startswith(NS + '.') and f not in ('message', NS):
                out.add(f)
        if kind == 'date' and 'target_field' not in opt:
            out.add('@timestamp')
    return out


def case_ecs():
    ecs = ecs_fields()
    n = 0
    props = dict(MAPPINGS['properties'])
    props.pop(NS, None)
    for name, m in template_leaves(props):
        n += 1
        if name not in ecs:
            bad('template maps %s, which ECS does not define' % name)
        elif ecs[name] != m.get('type'):
            bad('template maps %s as %s, ECS says %s' % (name, m.get('type'), ecs[name]))
    for name in sorted(pipeline_targets()):
        n += 1
        parent = name.rsplit('.', 1)[0]
        if name in ecs:
            continue
        if name.endswith(('.lat', '.lon')) and ecs.get(parent) == 'geo_point':
            continue
        bad('the pipeline writes %s, which ECS does not define' % name)
    # Constant categorisation values must be ECS's allowed ones.
    for proc in PIPELINE['processors']:
        (kind, opt), = proc.items()
        allowed = {'event.kind': ECS_KIND, 'event.category': ECS_CATEGORY,
                   'event.type': ECS_TYPE}.get(opt.get('field'))
        if kind == 'set' and allowed:
            for v in opt['value'] if isinstance(opt['value'], list) else [opt['value']]:
                n += 1
                if v not in allowed:
                    bad('%s = %r is not an ECS allowed value' % (opt['field'], v))
    # A convert must leave the value in the ECS field's type.
    want = {'keyword': 'string', 'long': 'long', 'float': 'float', 'boolean': 'boolean'}
    for proc in PIPELINE['processors']:
        (kind, opt), = proc.items()
        if kind == 'convert' and opt['field'] in ecs and want.get(ecs[opt['field']]) != opt['type']:
            bad('convert %s to %s, ECS type is %s' % (opt['field'], opt['type'], ecs[opt['field']]))
    print('ecs: %d ECS fields and values checked against %s' % (n, os.path.basename(ECS_CSV)))


def splunk_conf(name):
    """{stanza: [(key, value)]} of a .conf file (comments and blanks skipped)."""
    out, cur = collections.OrderedDict(), None
    with open(os.path.join(SPLUNK, name)) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith('#'):
                continue
            if line.startswith('['):
                cur = line[1:-1]
                out[cur] = []
            else:
                k, _, v = line.partition('=')
                out[cur].append((k.strip(), v.strip()))
    return out


def eval_refs(expr):
    """Fields an eval expression reads: every 'quoted' name; a bare word that is
    not a function call is refused (it would be read as a field silently)."""
    fields = re.findall(r"'([^']+)'", expr)
    rest = re.sub(r'"(?:[^"\\]|\\.)*"', '""', re.sub(r"'[^']+'", "X", expr))
    for word in re.findall(r'[A-Za-z_][\w.]*', rest):
        if word == 'X':
            continue
        if word not in EVAL_FUNCS:
            bad('eval reads %r unquoted: quote field names (\'name\') or add the function to '
                'EVAL_FUNCS' % word)
    for fn in re.findall(r'([A-Za-z_]\w*)\s*\(', rest):
        if fn not in EVAL_FUNCS:
            bad('eval calls %s(), unknown here' % fn)
    return fields


def splunk_reads():
    """(conf file, sightline field) pairs the add-on reads; Splunk's names for
    array members (vlan{}) are the catalogue's (vlan)."""
    reads = []
    for stanza, kvs in splunk_conf('props.conf').items():
        for k, v in kvs:
            if k.startswith('FIELDALIAS-'):
                for src, _ in re.findall(r'(\S+)\s+AS\s+(\S+)', v):
                    reads.append(('props.conf ' + k, src))
            elif k.startswith('EVAL-'):
                for f in eval_refs(v):
                    reads.append(('props.conf ' + k, f))
    for stanza, kvs in splunk_conf('eventtypes.conf').items():
        for k, v in kvs:
            for f, _ in re.findall(r'(\w[\w.]*)=(\S+)', v):
                if f != 'sourcetype':
                    reads.append(('eventtypes.conf ' + stanza, f))
    for stanza, kvs in splunk_conf('transforms.conf').items():
        for k, v in kvs:
            if k == 'REGEX':
                for f in re.findall(r'"([\w.]+)":', v):
                    reads.append(('transforms.conf ' + stanza, f))
    return [(w, f.replace('{}', '')) for w, f in reads]


def pipeline_reads():
    reads = []
    for proc in PIPELINE['processors']:
        (kind, opt), = proc.items()
        for key in ('field', 'copy_from'):
            f = opt.get(key)
            if f and f.startswith(NS + '.'):
                reads.append(('pipeline ' + kind, f[len(NS) + 1:]))
        if 'if' in opt:
            for f in cond_fields(opt['if']):
                if f.startswith(NS + '.'):
                    reads.append(('pipeline if', f[len(NS) + 1:]))
        if kind == 'set' and isinstance(opt.get('value'), str):
            for f in re.findall(r'\{\{\{?\s*' + NS + r'\.([\w.]+)', opt['value']):
                reads.append(('pipeline set', f))
    return reads


def case_fields():
    cat, source = siemgen.catalogue(SIGHTLINE)
    missing = collections.defaultdict(set)
    reads = pipeline_reads() + splunk_reads()
    for where, f in reads:
        if f not in cat:
            missing[f].add(where.split()[0])
    for f in sorted(missing):
        bad('%s reads %s, which sightline %s does not declare' % (', '.join(sorted(missing[f])), f, source))
    print('fields: %d reads of %d fields, %d not in sightline %s%s' %
          (len(reads), len({f for _, f in reads}), len(missing), source,
           (': ' + ' '.join(sorted(missing))) if missing else ''))


def case_generated():
    r = subprocess.run([sys.executable, os.path.join(SRC, 'sensor', 'dist', 'siem', 'siemgen.py'),
                        SIGHTLINE, '--check'], capture_output=True, text=True)
    if r.returncode != 0:
        bad((r.stdout + r.stderr).strip())
    text = open(os.path.join(SRC, 'README.md')).read()
    table = siemgen.readme_table()
    if table not in text:
        bad('README\'s "what lands where" table differs from siemgen.py --readme')
    print('generated: pipeline, template and README table up to date')


def case_elastic():
    lines = real_events()
    problems = collections.Counter()
    dyn_seen = {}
    kinds = collections.Counter()
    errors = collections.Counter()
    landed = collections.Counter()
    for line in lines:
        doc, err = ingest(line)
        if err:
            errors[err] += 1
            continue
        kinds[(get(doc, NS + '.event_type'), get(doc, 'event.kind'))] += 1
        # Every fact the event had lands where the table says, and moved facts
        # leave sightline.* (a wrong path would leave them behind silently).
        raw = json.loads(line)
        for src, dst, _ in siemgen.MOVES + siemgen.COPIES:
            if get(raw, src) is None:
                continue
            landed[dst] += 1
            if get(doc, dst) is None:
                problems[(dst, 'not set from %s' % src)] += 1
            if (src, dst, _) in siemgen.MOVES and get(doc, NS + '.' + src) is not None:
                problems[(NS + '.' + src, 'still there after the move to %s' % dst)] += 1
        for f in ('event.kind', 'event.dataset', '@timestamp', 'observer.vendor'):
            if get(doc, f) is None:
                problems[(f, 'not set')] += 1
        check_doc(doc, MAPPINGS, [], MAPPINGS.get('dynamic', True), problems, dyn_seen)
    for err, n in sorted(errors.items()):
        bad('%d events failed in the pipeline: %s' % (n, err))
    for (name, why), n in sorted(problems.items()):
        bad('%s: %s (%d events)' % (name, why, n))
    kinds_s = ', '.join('%s->%s %d' % (t, k, n) for (t, k), n in sorted(kinds.items(), key=str))
    print('elastic: %d events through %d processors: %s' % (len(lines), len(PIPELINE['processors']), kinds_s))
    print('elastic: ECS fields set: %s' % ', '.join('%s %d' % kv for kv in sorted(landed.items())))
    unset = sorted({d for _, d, _ in siemgen.MOVES + siemgen.COPIES} - set(landed))
    if unset:
        print('note: no event here has the facts for %s' % ', '.join(unset))
    if not any(k == 'alert' for _, k in kinds):
        bad('no alert among the events: the alert mapping went unchecked')


def case_splunk():
    props = splunk_conf('props.conf')
    st = props.get('sightline:eve')
    if st is None:
        bad('props.conf has no [sightline:eve] stanza')
        return
    kv = dict(st)
    cim = CIM_NETWORK_TRAFFIC | CIM_INTRUSION_DETECTION | CIM_AUTHENTICATION
    n = 0
    for k, v in st:
        dest = None
        if k.startswith('FIELDALIAS-'):
            pairs = re.findall(r'(\S+)\s+AS\s+(\S+)', v)
            if not pairs:
                bad('%s: no "field AS alias" in %r' % (k, v))
            for _, dest in pairs:
                n += 1
                if dest not in cim:
                    bad('%s makes %s, not a CIM Network Traffic, Authentication or Intrusion Detection field' % (k, dest))
        elif k.startswith('EVAL-'):
            n += 1
            dest = k[len('EVAL-'):]
            if dest not in cim:
                bad('%s makes %s, not a CIM Network Traffic, Authentication or Intrusion Detection field' % (k, dest))
    if kv.get('KV_MODE') != 'json':
        bad('KV_MODE is %r, want json' % kv.get('KV_MODE'))
    # Time: the first match of TIME_PREFIX in each line must be the event's own
    # timestamp, and TIME_FORMAT (strptime with %6N) must read it within the lookahead.
    lines = real_events()
    prefix = re.compile(kv['TIME_PREFIX'])
    fmt = kv['TIME_FORMAT'].replace('%6N', '%f')
    look = int(kv['MAX_TIMESTAMP_LOOKAHEAD'])
    transforms = splunk_conf('transforms.conf')
    host_re = re.compile(dict(transforms['sightline_sensor_host'])['REGEX'])
    with_host = 0
    for line in lines:
        ev = json.loads(line)
        m = prefix.search(line)
        if not m:
            bad('TIME_PREFIX finds nothing in %s' % line[:80])
            continue
        text = line[m.end():m.end() + look]
        try:
            t = datetime.datetime.strptime(text[:31], fmt)
        except ValueError as e:
            bad('TIME_FORMAT %s does not read %r: %s' % (kv['TIME_FORMAT'], text, e))
            continue
        if text[:31] != ev['timestamp']:
            bad('TIME_PREFIX finds %r, the event\'s timestamp is %r' % (text[:31], ev['timestamp']))
        n += 1
        hm = host_re.search(line)
        if 'host' in ev and isinstance(ev['host'], str):
            with_host += 1
            if not hm or json.loads('"%s"' % hm.group(1)) != ev['host']:
                bad('transforms sightline_sensor_host reads %r, the event\'s host is %r' %
                    (hm and hm.group(1), ev['host']))
        elif hm:
            bad('transforms sightline_sensor_host reads %r from an event without host' % hm.group(1))
        del t
    if len(lines) and with_host == 0:
        print('note: no event carries "host" yet; the host transform was only checked not to '
              'match elsewhere')
    for stanza, kvs in splunk_conf('tags.conf').items():
        et = stanza.split('=', 1)[1]
        if et not in splunk_conf('eventtypes.conf'):
            bad('tags.conf tags eventtype %s, which eventtypes.conf does not define' % et)
        for tag, state in kvs:
            n += 1
            if tag not in CIM_TAGS or state != 'enabled':
                bad('tags.conf [%s] %s = %s: not a CIM Network Traffic / Authentication / IDS tag' % (stanza, tag, state))
    for stanza, kvs in splunk_conf('eventtypes.conf').items():
        if 'sourcetype=sightline:eve' not in dict(kvs).get('search', ''):
            bad('eventtype %s does not select sourcetype=sightline:eve' % stanza)
    print('splunk: %d aliases, tags and event times checked over %d events' % (n, len(lines)))


def main():
    {'ecs': case_ecs, 'fields': case_fields, 'generated': case_generated,
     'elastic': case_elastic, 'splunk': case_splunk}[CASE]()
    if failures:
        print('%d problem(s)' % len(failures))
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())

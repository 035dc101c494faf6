#!/usr/bin/env python3
"""Keep README.md's generated blocks identical to what the program prints:
the field catalogue (sightline --list-fields) and the configuration
reference (sightline --dump-config); and keep --list-fields and --schema
one list: every field of every event type in both, with the same type.

  readme_blocks.py SIGHTLINE README.md           check (exit 1 on drift)
  readme_blocks.py SIGHTLINE README.md --update  rewrite the blocks
"""
import json
import re
import subprocess
import sys

BLOCKS = {
    'fields': (['--list-fields'], 'text'),
    'config': (['--dump-config'], 'yaml'),
}


def render(sensor, name):
    args, lang = BLOCKS[name]
    out = subprocess.run([sensor] + args, capture_output=True, text=True, check=True).stdout
    return '<!-- %s:begin -->\n```%s\n%s```\n<!-- %s:end -->' % (name, lang, out, name)


SCHEMA_TYPES = {'string': 'string', 'ip': 'string', 'time': 'string', 'uint': 'integer',
                'int': 'integer', 'double': 'number', 'bool': 'boolean',
                'uint[]': 'array', 'string[]': 'array'}


def schema_leaves(node, path, out):
    """Dotted names of the schema's leaves ('x[]' for arrays of objects, '*' for any key),
    each with its JSON type."""
    if 'description' in node and node.get('type') != 'object':
        out[path] = node.get('type')
        return
    if node.get('type') == 'array':
        schema_leaves(node['items'], path + '[]', out)
        return
    for key, sub in node.get('properties', {}).items():
        schema_leaves(sub, path + '.' + key if path else key, out)
    extra = node.get('additionalProperties')
    if isinstance(extra, dict):
        schema_leaves(extra, path + '.*', out)


def list_matches_schema(sensor):
    """--list-fields and --schema name the same fields with the same types."""
    listing = subprocess.run([sensor, '--list-fields'], capture_output=True, text=True,
                             check=True).stdout.splitlines()[1:]
    listed = {line.split()[0]: line.split()[1] for line in listing if line.strip()}
    schema = json.loads(subprocess.run([sensor, '--schema'], capture_output=True, text=True,
                                       check=True).stdout)
    leaves = {}
    for kind in schema['$defs'].values():
        schema_leaves(kind, '', leaves)
    problems = ['%s is in --list-fields but not in --schema' % n for n in sorted(set(listed) - set(leaves))]
    problems += ['%s is in --schema but not in --list-fields' % n for n in sorted(set(leaves) - set(listed))]
    problems += ['%s is %s in --list-fields and %s in --schema' % (n, listed[n], leaves[n])
                 for n in sorted(set(listed) & set(leaves)) if SCHEMA_TYPES.get(listed[n]) != leaves[n]]
    for p in problems:
        print(p)
    return not problems


def main():
    sensor, readme = sys.argv[1:3]
    if not list_matches_schema(sensor):
        return 1
    update = '--update' in sys.argv[3:]
    text = open(readme).read()
    new = text
    for name in BLOCKS:
        pat = re.compile(r'<!-- %s:begin -->.*?<!-- %s:end -->' % (name, name), re.S)
        if not pat.search(new):
            print('README.md has no <!-- %s:begin/end --> block' % name)
            return 1
        new = pat.sub(lambda m: render(sensor, name), new)
    if new == text:
        print('README blocks are up to date')
        return 0
    if update:
        open(readme, 'w').write(new)
        print('README blocks rewritten')
        return 0
    print('README.md is out of date with the program: run\n'
          '  python3 tests/docs/readme_blocks.py build/sightline README.md --update')
    return 1


if __name__ == '__main__':
    sys.exit(main())

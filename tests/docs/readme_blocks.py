#!/usr/bin/env python3
"""Keep README.md's generated blocks identical to what the program prints:
the field catalogue (sightline --list-fields) and the configuration
reference (sightline --dump-config).

  readme_blocks.py SIGHTLINE README.md           check (exit 1 on drift)
  readme_blocks.py SIGHTLINE README.md --update  rewrite the blocks
"""
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


def main():
    sensor, readme = sys.argv[1:3]
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

"""Finding capture files for the test scripts: one walker, by magic number, in a fixed order."""
import os

# pcap (both byte orders, micro- and nanosecond) and pcapng section headers
MAGICS = frozenset(bytes.fromhex(m) for m in
                   ('d4c3b2a1', 'a1b2c3d4', '4d3cb2a1', 'a1b23c4d', '0a0d0d0a'))


def is_capture(path):
    """True when path starts with a pcap or pcapng magic number (unreadable: False)."""
    try:
        with open(path, 'rb') as f:
            return f.read(4) in MAGICS
    except OSError:
        return False


def captures(*roots):
    """Every capture file under each root, directories and names sorted (walk order)."""
    out = []
    for root in roots:
        for d, subdirs, files in os.walk(root):
            subdirs.sort()
            out += [p for p in (os.path.join(d, f) for f in sorted(files)) if is_capture(p)]
    return out

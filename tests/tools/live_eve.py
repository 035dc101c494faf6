"""Reading a live sensor's EVE file while it is written, for the live tests
that send one datagram in their namespace and wait for its events
(reload/fragments, intel/refresh-live)."""
import json
import os
import subprocess
import sys
import time

SENDER = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'udp_then_ticks.py')


def events(eve):
    """The events of eve's complete lines so far ([] before the file exists)."""
    try:
        with open(eve) as f:
            return [json.loads(line) for line in f if line.endswith('\n')]
    except FileNotFoundError:
        return []


def send_and_read(netns, dst, port, read, wait=15):
    """Send one datagram to dst:port from the namespace (netns(*cmd): the
    command run there; tests/tools/udp_then_ticks.py), then read(events)
    every 0.2 s until it returns a non-empty list: its last item, or None
    after wait seconds."""
    subprocess.run(netns(sys.executable, SENDER, dst, str(port)), check=True, timeout=30)
    end = time.monotonic() + wait
    while time.monotonic() < end:
        got = read(events)
        if got:
            return got[-1]
        time.sleep(0.2)
    return None

#!/usr/bin/python3
"""Lists a meson build's registered tests as shell-quoted lines:
   NAME SUITE TIMEOUT CMD...   (one test per line), for scripts/check.sh."""
import json
import shlex
import subprocess
import sys

build = sys.argv[1]
tests = json.loads(subprocess.check_output(
    ["meson", "introspect", build, "--tests"], text=True))
for t in tests:
    suite = t["suite"][0].split(":")[-1] if t["suite"] else "default"
    print(shlex.join([t["name"], suite, str(t.get("timeout") or 60)] + t["cmd"]))

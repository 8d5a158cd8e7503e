"""Shared fixtures of the conformance suites.

`run.sh` starts each simulator with `filegate simulate <provider>` and passes its base URL in
WECOM_URL, FANGCLOUD_URL and ONEBOT_URL. The demo data's ids and secrets are read from the
simulators' own `src/sandbox/<provider>/demo.rs`, so the suites follow them when they change.
"""

import os
import pathlib
import re

import pytest
import requests

ROOT = pathlib.Path(__file__).resolve().parents[2]
_CONST = re.compile(r'const (\w+): [^=\n]+= ("(?:[^"\\]|\\.)*"|[\w ]+(?:\+ *[0-9_]+)?);')


def demo(provider):
    """The constants of a simulator's demo data (and of its state, whose id bases and codes
    the demo builds on): strings, integers and `NAME + n`."""
    out = {}
    for file in ("state.rs", "demo.rs"):
        path = ROOT / "src" / "sandbox" / provider / file
        if not path.exists():
            continue
        for name, value in _CONST.findall(path.read_text(encoding="utf-8")):
            if value.startswith('"'):
                out[name] = value[1:-1]
                continue
            total = 0
            for term in value.split("+"):
                term = term.strip()
                if term.replace("_", "").isdigit():
                    total += int(term.replace("_", ""))
                elif term in out and isinstance(out[term], int):
                    total += out[term]
                else:
                    break
            else:
                out[name] = total
    return out


def base_url(name):
    url = os.environ.get(name)
    if not url:
        pytest.fail(f"{name} is not set: run tests/conformance/run.sh")
    return url.rstrip("/")


class Control:
    """The simulators' shared `/__sim` test-control surface."""

    def __init__(self, base):
        self.base = base

    def fault(self, **spec):
        r = requests.post(f"{self.base}/__sim/faults", json=spec, timeout=10)
        assert r.status_code == 204, r.text

    def reset(self):
        requests.post(f"{self.base}/__sim/reset", timeout=10).raise_for_status()

    def revoke_tokens(self):
        requests.post(f"{self.base}/__sim/tokens/revoke", timeout=10).raise_for_status()

    def calls(self, name):
        stats = requests.get(f"{self.base}/__sim/stats", timeout=10).json()
        return stats["calls"].get(name, 0)


@pytest.fixture(scope="session")
def wecom_url():
    return base_url("WECOM_URL")


@pytest.fixture(scope="session")
def fangcloud_url():
    return base_url("FANGCLOUD_URL")


@pytest.fixture(scope="session")
def onebot_url():
    return base_url("ONEBOT_URL")

"""requirements.lock (what make install and CI install, with --no-deps for endwatch itself) pins every
dependency pyproject.toml declares, at a version its range allows, with hashes. A dependency added to
pyproject.toml without `make lock` fails here rather than at import time on a fresh machine."""

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]


def locked() -> dict[str, tuple[str, int]]:
    """Canonical name -> (version, number of hashes) from the lock file."""
    pins: dict[str, tuple[str, int]] = {}
    name = None
    for line in (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines():
        pin = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s;\\]+)", line)
        if pin:
            name = canonicalize_name(pin.group(1))
            pins[name] = (pin.group(2), 0)
        elif name and line.strip().startswith("--hash=sha256:"):
            version, hashes = pins[name]
            pins[name] = (version, hashes + 1)
    return pins


def test_every_declared_dependency_is_locked_with_hashes_in_its_range():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = [Requirement(r) for r in [*project["dependencies"], *project["optional-dependencies"]["test"]]]
    pins = locked()
    problems = []
    for req in declared:
        name = canonicalize_name(req.name)
        if name not in pins:
            problems.append(f"{req.name} is not in requirements.lock (run make lock)")
            continue
        version, hashes = pins[name]
        if not req.specifier.contains(version, prereleases=True):
            problems.append(f"{req.name}=={version} is outside {req.specifier} (run make lock)")
        if hashes == 0:
            problems.append(f"{req.name} has no hash in requirements.lock")
    assert not problems, problems
    assert all(hashes for _, hashes in pins.values())

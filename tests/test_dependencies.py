"""What CI installs is pinned, and the documented commands install exactly that.

constraints.txt pins every package; pyproject.toml's lower bounds are those pins, so that an
install without the constraints never gets an older, untested version either.
"""

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).parents[1]


def pins() -> dict[str, str]:
    pinned: dict[str, str] = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        name, version = line.split("==")
        pinned[canonicalize_name(name)] = version
    return pinned


def requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    listed = project["dependencies"] + project["optional-dependencies"]["dev"]
    return [Requirement(text) for text in listed]


def test_every_requirement_is_pinned_at_its_lower_bound() -> None:
    pinned = pins()
    for requirement in requirements():
        version = pinned.get(canonicalize_name(requirement.name))
        assert version is not None, f"{requirement.name} is not in constraints.txt"
        assert [str(spec) for spec in requirement.specifier] == [f">={version}"], requirement


def test_the_readme_and_ci_install_through_the_constraints() -> None:
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    installs = re.findall(r"^python3 -m venv \.venv && .*$", readme, flags=re.MULTILINE)
    assert len(installs) == 2
    assert all("pip install -q -c constraints.txt -e " in command for command in installs)
    test_command = next(command for command in installs if command.endswith(".venv/bin/pytest"))
    assert f"\n{test_command}\n" in ci  # word for word

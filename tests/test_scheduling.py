"""The scheduling examples: valid schedules, and commands that `framewatch` itself accepts."""
from __future__ import annotations

import configparser
import re
import shlex
from pathlib import Path

import pytest

from corpus.cli import build_parser

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
# cron fields: minute, hour, day of month, month, day of week
CRON_RANGES = [(0, 59), (0, 23), (1, 31), (1, 12), (0, 7)]


def check_cron_field(field: str, low: int, high: int) -> None:
    for part in field.split(","):
        base, _, step = part.partition("/")
        if step:
            assert step.isdigit() and int(step) > 0, field
        if base == "*":
            continue
        start, _, end = base.partition("-")
        for value in (start, end) if end else (start,):
            assert value.isdigit() and low <= int(value) <= high, f"{field!r} outside {low}-{high}"


def check_cron(expression: str) -> None:
    fields = expression.split()
    assert len(fields) == 5, expression
    for field, (low, high) in zip(fields, CRON_RANGES):
        check_cron_field(field, low, high)


def framewatch_args(command: str) -> list[str]:
    """The arguments after `framewatch` in a shell command line (the first such command)."""
    words = shlex.split(command)
    for i, word in enumerate(words):
        if word == "framewatch" or word.endswith("/bin/framewatch"):
            args = []
            for w in words[i + 1:]:
                if w in {"&&", "||", ";", "|"} or w.startswith(">"):
                    break
                args.append(w)
            return args
    raise AssertionError(f"no framewatch command in {command!r}")


def check_update_command(command: str) -> None:
    args = build_parser().parse_args(framewatch_args(command))
    assert args.command == "update" and args.config and args.quiet


@pytest.mark.parametrize("bad", ["60 3 2 * *", "17 3 2 *", "17 3 0 * *", "17 3 2 13 *", "a 3 2 * *"])
def test_the_cron_checker_rejects_bad_schedules(bad: str) -> None:
    with pytest.raises(AssertionError):
        check_cron(bad)


def test_cron_example() -> None:
    lines = [ln for ln in (EXAMPLES / "cron" / "framewatch.cron").read_text().splitlines()
             if ln.strip() and not ln.lstrip().startswith("#") and not re.match(r"^\w+=", ln)]
    assert len(lines) == 1
    fields = lines[0].split(None, 5)
    check_cron(" ".join(fields[:5]))
    check_update_command(fields[5])


def test_systemd_example() -> None:
    def read(name: str) -> configparser.ConfigParser:
        parser = configparser.ConfigParser(interpolation=None, strict=True)
        parser.optionxform = str  # systemd keys are case-sensitive
        parser.read_string((EXAMPLES / "systemd" / name).read_text())
        return parser

    service, timer = read("framewatch-update.service"), read("framewatch-update.timer")
    assert service["Service"]["Type"] == "oneshot"
    check_update_command(service["Service"]["ExecStart"])
    calendar = timer["Timer"]["OnCalendar"]
    assert re.fullmatch(r"(\*|\d{4})-(\*|\d{2})-(\*|\d{2}) \d{2}:\d{2}(:\d{2})?", calendar), calendar
    assert timer["Timer"]["Unit"] == "framewatch-update.service"
    assert timer["Timer"]["Persistent"] == "true"
    assert timer["Install"]["WantedBy"] == "timers.target"


def test_github_actions_example() -> None:
    text = (EXAMPLES / "github-actions" / "monthly-update.yml").read_text()
    crons = re.findall(r"^\s*on:\s*$[\s\S]*?^\s*schedule:\s*$\s*-\s*cron:\s*[\"']([^\"']+)[\"']", text, re.M)
    assert len(crons) == 1
    check_cron(crons[0])
    runs = re.findall(r"^\s*run:\s*(framewatch .+)$", text, re.M)
    updates = [r for r in runs if framewatch_args(r)[0] == "update"]
    assert len(updates) == 1
    check_update_command(updates[0])
    for command in runs:
        build_parser().parse_args(framewatch_args(command))   # every framewatch step parses
    assert "\t" not in text


def test_github_actions_example_is_yaml() -> None:
    yaml = pytest.importorskip("yaml")
    data = yaml.safe_load((EXAMPLES / "github-actions" / "monthly-update.yml").read_text())
    triggers = data[True] if True in data else data["on"]   # YAML 1.1 reads a bare `on` as true
    assert triggers["schedule"][0]["cron"] == "17 3 2 * *"
    steps = data["jobs"]["update"]["steps"]
    assert any("framewatch update" in s.get("run", "") for s in steps)


def test_github_actions_example_keeps_the_corpus_durably() -> None:
    """Not only the Actions cache (evicted after 7 unused days): an artifact kept for months, restored
    from the newest earlier run before the update."""
    yaml = pytest.importorskip("yaml")
    data = yaml.safe_load((EXAMPLES / "github-actions" / "monthly-update.yml").read_text())
    steps = data["jobs"]["update"]["steps"]
    uses = [s.get("uses", "") for s in steps]
    assert not any(u.startswith("actions/cache") for u in uses)
    update = next(i for i, s in enumerate(steps) if "framewatch update" in s.get("run", ""))
    restore = next(i for i, s in enumerate(steps) if s.get("uses", "").startswith("actions/download-artifact"))
    save = next(i for i, s in enumerate(steps) if s.get("uses", "").startswith("actions/upload-artifact"))
    assert restore < update < save
    assert steps[restore]["with"]["name"] == steps[save]["with"]["name"]
    assert steps[restore]["with"]["path"] == steps[save]["with"]["path"] == "framewatch-data"
    assert "run-id" in steps[restore]["with"]
    assert int(steps[save]["with"]["retention-days"]) >= 90
    assert steps[save]["if"].startswith("always()")
    assert data["permissions"]["actions"] == "read"

"""The `framewatch` command as a shell user meets it: help, and output piped into a reader that stops early."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from corpus.cli import build_parser, main


def test_every_command_of_the_readme_is_there() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    commands = set(build_parser()._subparsers._group_actions[0].choices)  # noqa: SLF001 - argparse has no API
    for command in ("demo", "import", "export", "info", "init", "update", "runs", "reextract", "extract",
                    "relations", "timeseries", "validate", "report"):
        assert command in commands and f"framewatch {command}" in readme, command


def test_no_command_prints_help_and_fails(capsys) -> None:
    assert main([]) == 2
    assert "COMMAND" in capsys.readouterr().out


def test_output_piped_into_a_reader_that_stops_early_is_not_a_traceback(tmp_path: Path) -> None:
    lines = "".join(f'{{"id": "d{i}", "url": "https://example.org/{i}", "text": "Text number {i} here."}}\n'
                    for i in range(3000))
    (tmp_path / "docs.jsonl").write_text(lines, encoding="utf-8")
    db = tmp_path / "c.sqlite"
    assert main(["import", str(tmp_path / "docs.jsonl"), "--db", str(db)]) == 0
    export = subprocess.Popen([sys.executable, "-m", "corpus", "export", "--db", str(db), "--format", "csv"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert export.stdout is not None
    export.stdout.readline()
    export.stdout.close()  # like `| head -1`
    _, err = export.communicate(timeout=120)
    assert b"Traceback" not in err
    assert export.returncode == 141

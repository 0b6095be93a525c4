"""The update configuration: a bad file is refused with every bad key named; the default is valid."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from corpus.config import ConfigError, default_config_text, load_config, loads_config

GOOD = """
[project]
data_dir = "data"
contact = "me@example.org"

[http]
min_delay = 0
allow_loopback = true

[sources.city]
kind = "rss"
url = "https://example.org/feed.xml"
query = ['"overdose prevention site"']
"""


def problems(text: str, environ: dict | None = None) -> list[str]:
    with pytest.raises(ConfigError) as info:
        loads_config(text, base_dir=Path("/tmp/fw"), environ=environ or {})
    return info.value.problems


def test_a_good_file_loads_with_defaults_and_absolute_paths(tmp_path: Path) -> None:
    path = tmp_path / "fw.toml"
    path.write_text(GOOD)
    config = load_config(path)
    assert config.data_dir == tmp_path / "data" and config.db_path == tmp_path / "data" / "corpus.sqlite"
    assert config.min_delay == 0.0 and config.allow_loopback is True and config.timeout == 30.0
    assert config.start_date is None and config.overlap_days == 3
    source = config.sources["city"]
    assert source.kind == "rss" and source.options == {"url": "https://example.org/feed.xml",
                                                       "query": ['"overdose prevention site"']}
    assert [s.name for s in config.enabled_sources()] == ["city"]


@pytest.mark.parametrize("change,expected", [
    (('kind = "rss"', 'kind = "gdlet"'), "sources.city.kind: unknown kind 'gdlet'"),
    (('kind = "rss"\n', ''), "sources.city.kind: required"),
    (("min_delay = 0", "min_delay = -1"), "http.min_delay: must be 0 or more"),
    (("min_delay = 0", 'min_delay = "fast"'), "http.min_delay: must be a number of seconds, got str"),
    (("allow_loopback = true", "allow_loopback = 1"), "http.allow_loopback: must be true or false"),
    (('contact = "me@example.org"', ''), "project.contact: required"),
    (('contact = "me@example.org"', 'contact = "  "'), "project.contact: must not be empty"),
    (("[http]", "[http]\nretries = 3"), "http.retries: unknown key"),
    (("[http]", "[htp]\nx = 1\n[http]"), "htp: unknown section"),
    (('url = "https://example.org/feed.xml"\n', ''), "sources.city: source 'city' (kind rss): option 'url' is required"),
    (("query = ", "max_pages = 3\nquery = "), "option 'max_pages'"),
    (("query = ['\"overdose prevention site\"']", "query = [1, 2]"), "option 'query' must be"),
    (('[sources.city]', '[update]\nstart_date = "last year"\n[sources.city]'), "update.start_date: must be a date"),
])
def test_each_bad_key_is_named_with_its_problem(change: tuple[str, str], expected: str) -> None:
    text = GOOD.replace(*change)
    assert text != GOOD
    found = problems(text)
    assert any(expected in p for p in found), found


def test_every_problem_is_reported_at_once() -> None:
    text = GOOD.replace("min_delay = 0", "min_delay = -2").replace('kind = "rss"', 'kind = "atom"')
    found = problems(text)
    assert len(found) == 2
    assert found[0].startswith("http.min_delay") and found[1].startswith("sources.city.kind")


def test_toml_syntax_errors_and_unreadable_files_are_config_errors(tmp_path: Path) -> None:
    assert problems("[project\ncontact = 1")[0].startswith("TOML syntax")
    with pytest.raises(ConfigError, match="cannot read the file"):
        load_config(tmp_path / "missing.toml")
    bad = tmp_path / "latin1.toml"
    bad.write_bytes("contact = 'caf\xe9'".encode("latin-1"))
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_config(bad)


def test_no_enabled_source_is_refused() -> None:
    text = GOOD.replace('kind = "rss"', 'kind = "rss"\nenabled = false')
    assert any("no enabled source" in p for p in problems(text))


def test_requires_env_enables_a_source_only_when_the_variable_is_set() -> None:
    text = GOOD + '\n[sources.mc]\nkind = "mediacloud"\nrequires_env = "MC_KEY"\nquery = ["x"]\n'
    off = loads_config(text, environ={})
    assert not off.sources["mc"].enabled and "MC_KEY" in off.sources["mc"].disabled_reason
    on = loads_config(text, environ={"MC_KEY": "secret"})
    assert on.sources["mc"].enabled
    assert "requires_env" not in on.sources["mc"].options


def test_default_config_is_valid_and_names_real_sources(tmp_path: Path) -> None:
    text = default_config_text()
    config = loads_config(text, base_dir=tmp_path, environ={})
    kinds = {s.kind for s in config.sources.values()}
    assert {"gdelt", "federal_register", "rss", "mediacloud"} <= kinds
    assert config.start_date == dt.date(2024, 1, 1) and config.min_delay >= 5
    # GDELT queries name the sites of CODEBOOK section 1
    terms = " ".join(t for s in config.sources.values() if s.kind == "gdelt" for t in s.options["query"])
    for name in ("supervised consumption site", "overdose prevention centre", "drug consumption room",
                 "Insite", "OnPoint NYC", "Safehouse", "Thistle"):
        assert name in terms
    feeds = [s for s in config.sources.values() if s.kind == "rss"]
    assert len(feeds) >= 3 and all(s.options["url"].startswith("https://") for s in feeds)
    assert not config.sources["mediacloud"].enabled
    assert loads_config(text, base_dir=tmp_path, environ={"MEDIACLOUD_API_KEY": "k"}).sources["mediacloud"].enabled
    # every non-blank line that is not a section or a key is a comment
    for line in text.splitlines():
        s = line.strip()
        assert not s or s.startswith(("#", "[", "'", "]")) or "=" in s, line


def test_start_date_as_toml_date_or_iso_string() -> None:
    for value in ("2019-05-01", '"2019-05-01"'):
        text = GOOD.replace("[sources.city]", f"[update]\nstart_date = {value}\n[sources.city]")
        assert loads_config(text, environ={}).start_date == dt.date(2019, 5, 1)
    text = GOOD.replace("[sources.city]", "[update]\nstart_date = 2019-05-01T10:00:00\n[sources.city]")
    assert any(p.startswith("update.start_date: must be a date") for p in problems(text))


def test_a_world_writable_config_is_named_in_a_warning(tmp_path: Path, caplog) -> None:
    path = tmp_path / "fw.toml"
    path.write_text(GOOD)
    path.chmod(0o644)
    with caplog.at_level("WARNING", logger="corpus.config"):
        load_config(path)
    assert not caplog.records
    path.chmod(0o666)
    with caplog.at_level("WARNING", logger="corpus.config"):
        load_config(path)
    assert [r.getMessage() for r in caplog.records if "world-writable" in r.getMessage() and str(path) in
            r.getMessage()]


def test_retry_settings_are_read_and_checked() -> None:
    config = loads_config(GOOD + "\n[update]\nretry_attempts = 3\nretry_hours = 0.5\n", base_dir=Path("/tmp/fw"))
    assert (config.retry_attempts, config.retry_hours) == (3, 0.5)
    assert loads_config(GOOD, base_dir=Path("/tmp/fw")).retry_attempts == 5
    assert problems(GOOD + "\n[update]\nretry_attempts = 0\n") == ["update.retry_attempts: must be 1 or more, got 0"]

"""What CI and other tools use: the pre-commit hooks (.pre-commit-hooks.yaml and the
`hook` commands behind them), the GitHub Action (action.yml, its script run here with a
fake job summary) and the database as plain SQLite (sqlite-utils' own CLI).

`pre-commit try-repo` builds the hooks' virtualenv from PyPI, so that test runs only with
EVIDENCE_TEST_PRECOMMIT=1 (`make integrations`); everything else here is offline or talks
to the fake services on 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml
from typer.testing import CliRunner

from evidence.cli import app

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent  # the virtualenv running the tests: evidence, sqlite-utils

DOC = """\
# Notes

Massage therapy lowers anxiety in adults by forty percent.

Studies show that coffee improves memory in older adults.

Massage lowers cortisol in preterm infants [@field1996].
"""
CLEAN_DOC = "# Notes\n\nMassage lowers cortisol in preterm infants [@field1996].\n"
BIB = """\
@article{field1996,
  title = {Massage therapy lowers cortisol in preterm infants},
  author = {Field, Tiffany and Hernandez-Reif, Maria},
  journal = {Journal of Infant Studies},
  year = {1996},
  doi = {10.5555/massage.1996}
}
"""
# Records of the fake services (tests/fake_services.py `add`): 10.5555 is Crossref's
# prefix for test DOIs, so no real work is named.
RETRACTED = {
    "doi": "10.5555/massage.1996",
    "title": "Massage therapy lowers cortisol in preterm infants",
    "authors": [("Field", "Tiffany"), ("Hernandez-Reif", "Maria")],
    "journal": "Journal of Infant Studies",
    "year": 1996,
    "type": "journal-article",
    "retracted": True,
}
FABRICATED_BIB = """\
@article{invented2019,
  title = {Aromatherapy doubles the working memory of university students},
  author = {Nobody, Anne},
  journal = {Journal of Made Up Results},
  year = {2019}
}
"""


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# --- the hooks' manifest ------------------------------------------------------------------


def hooks_manifest() -> dict[str, dict[str, Any]]:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    return {hook["id"]: hook for hook in hooks}


def test_the_hooks_run_commands_of_the_app_on_the_files_they_are_for() -> None:
    hooks = hooks_manifest()
    assert set(hooks) == {"evidence-check", "evidence-verify"}
    click_app = typer.main.get_command(app)
    for hook in hooks.values():
        assert hook["language"] == "python"  # pre-commit pip-installs this repository
        program, *words = hook["entry"].split()
        assert program == "evidence"
        command: Any = click_app
        for word in words:
            command = command.commands[word]
        assert command.help
    check = re.compile(hooks["evidence-check"]["files"])
    verify = re.compile(hooks["evidence-verify"]["files"])
    for name in ("README.md", "docs/paper.qmd", "thesis/chapter1.tex"):
        assert check.search(name) and not verify.search(name), name
    for name in ("refs.bib", "paper/library.bibtex"):
        assert verify.search(name) and not check.search(name), name
    for name in ("setup.py", "notes.txt", "data.json"):
        assert not check.search(name) and not verify.search(name), name


# --- hook check -----------------------------------------------------------------------------


def test_hook_check_fails_on_unsourced_and_vague_claims_without_leaving_a_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "docs" / "notes.md", DOC)
    write(tmp_path / "refs.bib", BIB)
    code, out, err = run("hook", "check", "--bib", "refs.bib", "docs/notes.md")
    assert code == 1, err
    assert "docs/notes.md\n" in out  # each document under its path
    assert "unsourced (1)" in out and "Massage therapy lowers anxiety" in out
    assert "vague (1)" in out and "vague appeal: Studies show" in out
    assert "3 claims: 1 cited, 1 vague, 1 unsourced. 2 failing" in out
    # A throwaway database: nothing in the folder, nothing where EVIDENCE_DB points.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["docs", "refs.bib"]
    assert not Path(os.environ["EVIDENCE_DB"]).exists()


def test_hook_check_passes_documents_whose_claims_are_sourced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "notes.md", CLEAN_DOC)
    write(tmp_path / "refs.bib", BIB)
    code, out, err = run("hook", "check", "--bib", "refs.bib", "notes.md")
    assert code == 0, out + err
    assert "1 claims: 1 cited. 0 failing" in out
    # --fail-on as for `check`: here a cited claim fails too.
    code, out, _ = run("hook", "check", "--fail-on", "cited", "--bib", "refs.bib", "notes.md")
    assert code == 1 and "1 failing (cited)" in out
    code, _, err = run("hook", "check", "--fail-on", "nonsense", "notes.md")
    assert code == 2 and err.startswith("Error: unknown status nonsense.")


def test_hook_check_names_documents_by_path_and_keeps_them_in_a_given_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    # Two files of one name: two documents, each checked on its own.
    write(tmp_path / "a" / "README.md", CLEAN_DOC)
    write(tmp_path / "b" / "README.md", DOC)
    code, out, _ = run("hook", "check", "--db", "project.db", "a/README.md", "b/README.md")
    assert code == 1
    first, second = out.split("a/README.md\n", 1)[1].split("b/README.md\n")
    assert "0 failing" in first and "2 failing" in second
    with sqlite3.connect(tmp_path / "project.db") as db:
        names = sorted(row[0] for row in db.execute("select name from documents"))
    assert names == ["a/README.md", "b/README.md"]


def test_hook_check_refuses_a_missing_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = run("hook", "check", "gone.md")
    assert (code, out) == (2, "")
    assert err == "Error: gone.md: no such file. Check the path.\n"


# --- hook verify ----------------------------------------------------------------------------


def test_hook_verify_offline_without_recorded_answers_leaves_references_unverified(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "refs.bib", BIB)
    code, out, err = run("hook", "verify", "--offline", "refs.bib")
    assert code == 1, err  # a reference that could not be checked is not passed
    assert "field1996: offline: not in the HTTP cache" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["refs.bib"]


def test_hook_verify_fails_on_retracted_and_fabricated_references(
    fake_services: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    fake_services.add(RETRACTED)
    write(tmp_path / "refs.bib", BIB)
    write(tmp_path / "more.bib", FABRICATED_BIB)
    code, out, err = run("hook", "verify", "refs.bib", "more.bib")
    assert code == 1, err
    assert "retracted (1)\n  field1996" in out
    assert "not_found (1)\n  invented2019" in out
    assert "2 checked: 1 not_found, 1 retracted." in out


def test_hook_verify_passes_a_reference_the_services_confirm(
    fake_services: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    fake_services.add({**RETRACTED, "retracted": False})
    write(tmp_path / "refs.bib", BIB)
    code, out, err = run("hook", "verify", "refs.bib")
    assert code == 0, out + err
    assert out.endswith("1 checked: 1 verified.\n")


def test_hook_verify_takes_bibliographies_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "notes.md", DOC)
    code, _, err = run("hook", "verify", "notes.md")
    assert code == 2
    assert err.startswith("Error: notes.md: not a bibliography. Give .bib, .json or .ris files")
    code, _, err = run("hook", "verify", "gone.bib")
    assert (code, err) == (2, "Error: gone.bib: no such file. Check the path.\n")


# --- the GitHub Action ----------------------------------------------------------------------


def action() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    return data


def step(step_id: str) -> dict[str, Any]:
    steps: list[dict[str, Any]] = action()["runs"]["steps"]
    return next(s for s in steps if s.get("id") == step_id)


INPUT = re.compile(r"\$\{\{\s*inputs\.([\w-]+)\s*\}\}")


def step_env(inputs: dict[str, str], step_id: str) -> dict[str, str]:
    """The step's `env`, its `${{ inputs.* }}` given as a workflow would (defaults for
    the inputs not given)."""
    declared = action()["inputs"]
    unknown = set(inputs) - set(declared)
    assert not unknown, f"not inputs of action.yml: {unknown}"
    values = {name: str(spec.get("default", "")) for name, spec in declared.items()}
    values.update(inputs)
    env = {}
    for name, value in (step(step_id).get("env") or {}).items():
        text = INPUT.sub(lambda m: values[m.group(1)], str(value))
        assert "${{" not in text, f"an expression the test cannot stand in for: {value}"
        env[name] = text
    return env


def run_action(tmp_path: Path, **inputs: str) -> tuple[int, str, str]:
    """Run the check step's script as the runner does (bash -eo pipefail, from the
    workspace), with a fake GITHUB_STEP_SUMMARY; return its exit code, the summary and
    the log."""
    script = step("check")["run"]
    assert INPUT.search(script) is None  # inputs reach the script through env only
    summary = tmp_path / "summary.md"
    runner_temp = tmp_path / "runner-temp"
    runner_temp.mkdir(exist_ok=True)
    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_ACTION_PATH": str(ROOT),
        "RUNNER_TEMP": str(runner_temp),
        **step_env({k.replace("_", "-"): v for k, v in inputs.items()}, "check"),
    }
    env.pop("EVIDENCE_DB")  # the action names its database itself
    result = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
        cwd=tmp_path / "workspace",
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    text = summary.read_text(encoding="utf-8") if summary.exists() else ""
    return result.returncode, text, result.stdout + result.stderr


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    folder = tmp_path / "workspace"
    write(folder / "docs" / "notes.md", DOC)
    write(folder / "docs" / "clean" / "other.md", CLEAN_DOC)
    write(folder / "refs.bib", BIB)
    return folder


def test_the_action_installs_this_package_and_maps_every_input() -> None:
    data = action()
    assert data["runs"]["using"] == "composite"
    assert set(data["inputs"]) == {
        "documents",
        "bibliographies",
        "fail-on",
        "python-version",
        "offline",
        "database",
    }
    setup = data["runs"]["steps"][0]
    assert setup["uses"].startswith("actions/setup-python@")
    assert setup["with"]["python-version"] == "${{ inputs.python-version }}"
    assert '"$GITHUB_ACTION_PATH"' in step("install")["run"]
    assert step("install")["run"].startswith("python -m pip install")
    mapped = set(INPUT.findall(json.dumps(step("check")["env"])))
    assert mapped == set(data["inputs"]) - {"python-version"}
    assert all(s.get("shell") == "bash" for s in data["runs"]["steps"] if "run" in s)


def test_the_action_fails_on_unsourced_claims_and_writes_the_report_to_the_summary(
    tmp_path: Path, workspace: Path
) -> None:
    write(workspace / "docs" / "clean" / "notes.md", CLEAN_DOC)
    code, summary, log = run_action(tmp_path, documents="docs/**/notes.md", offline="true")
    assert code == 1, log
    assert "evidence check: exit 1" in log
    assert summary.startswith("# Evidence report")
    # Each document under its path, two files of one name included.
    assert "Documents: docs/clean/notes.md (markdown, 1 claims" in summary
    assert "docs/notes.md (markdown, 3 claims" in summary
    assert "Massage therapy lowers anxiety in adults by forty percent." in summary
    assert "**evidence failed (exit 1)**" in summary
    assert not (workspace / "evidence.db").exists()
    assert (tmp_path / "runner-temp" / "evidence-action.db").exists()


def test_the_action_passes_sourced_claims(tmp_path: Path, workspace: Path) -> None:
    code, summary, log = run_action(
        tmp_path, documents="docs/**/other.md", fail_on="unsourced", offline="true"
    )
    assert code == 0, log
    assert summary.startswith("# Evidence report")
    assert "Massage lowers cortisol in preterm infants" in summary
    assert "evidence failed" not in summary


def test_the_action_verifies_bibliographies_and_fails_on_a_retracted_study(
    fake_services: Any, tmp_path: Path, workspace: Path
) -> None:
    fake_services.add(RETRACTED)
    code, summary, log = run_action(
        tmp_path,
        documents="docs/clean/other.md",
        bibliographies="refs.bib",
        database=str(tmp_path / "kept.db"),
    )
    assert code == 1, log
    assert "evidence verify: exit 1" in log and "evidence check: exit 1" in log
    assert "retracted (1)\n  field1996" in log  # verify's own lines in the log
    assert "Massage lowers cortisol in preterm infants" in summary
    assert "retracted" in summary.lower()
    assert (tmp_path / "kept.db").exists()


def test_the_action_fails_when_no_file_matches(tmp_path: Path, workspace: Path) -> None:
    code, summary, log = run_action(tmp_path, documents="nothing/*.md")
    assert code == 2
    assert "::error::evidence: no file matches the documents or bibliographies inputs" in log
    assert summary == ""
    code, _, log = run_action(tmp_path, bibliographies="missing.bib")
    assert code == 2 and "::error file=missing.bib::evidence: no such file" in log


# --- the database as plain SQLite ------------------------------------------------------------


def test_sqlite_utils_finds_the_full_text_tables(tmp_path: Path) -> None:
    db = tmp_path / "evidence.db"
    write(tmp_path / "refs.bib", BIB)
    write(tmp_path / "notes.md", DOC)
    assert run("--db", str(db), "import", str(tmp_path / "refs.bib"))[0] == 0
    assert run("--db", str(db), "ingest", str(tmp_path / "notes.md"))[0] == 0
    sqlite_utils = shutil.which("sqlite-utils", path=str(BIN))
    assert sqlite_utils, "the sqlite-utils CLI comes with the sqlite-utils dependency"
    found = subprocess.run(
        [sqlite_utils, "search", str(db), "studies", "massage", "-c", "citekey"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert json.loads(found.stdout) == [{"citekey": "field1996"}]
    found = subprocess.run(
        [sqlite_utils, "search", str(db), "claims", "anxiety", "-c", "text"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert [row["text"] for row in json.loads(found.stdout)] == [
        "Massage therapy lowers anxiety in adults by forty percent."
    ]


# --- pre-commit try-repo, for real -----------------------------------------------------------

PRECOMMIT = os.environ.get("EVIDENCE_TEST_PRECOMMIT", "").lower() in {"1", "true", "yes"}
SOURCE_FILES = ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml")
SOURCE_FOLDERS = ("evidence", "bib", "reports", "templates")


def git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=test", "-c", "user.email=test@example.org", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        timeout=60,
    )


@pytest.fixture(scope="module")
def precommit(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """pre-commit in a virtualenv of its own, and this working tree as a one-commit git
    repository (try-repo leaves out files git does not track yet)."""
    if not PRECOMMIT:
        pytest.skip("builds virtualenvs from PyPI: run with EVIDENCE_TEST_PRECOMMIT=1")
    base = tmp_path_factory.mktemp("precommit")
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    installed = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "pre-commit"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if installed.returncode != 0:
        pytest.skip(f"pre-commit could not be installed from PyPI: {installed.stderr[-500:]}")
    source = base / "source"
    source.mkdir()
    for name in SOURCE_FILES:
        shutil.copy2(ROOT / name, source / name)
    for name in SOURCE_FOLDERS:
        shutil.copytree(
            ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
        )
    git(source, "init", "--quiet")
    git(source, "add", ".")
    git(source, "commit", "--quiet", "-m", "source")
    yield venv / "bin" / "pre-commit", source


def try_repo(
    precommit: tuple[Path, Path], repo: Path, hook: str, *files: str, **env: str
) -> tuple[int, str]:
    program, source = precommit
    result = subprocess.run(
        [str(program), "try-repo", str(source), hook, "--files", *files],
        cwd=repo,
        env={
            **os.environ,
            # The hook's virtualenv is built once for the module's runs.
            "PRE_COMMIT_HOME": str(source.parent / "home"),
            "EVIDENCE_OFFLINE": "1",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=900,
    )
    return result.returncode, result.stdout + result.stderr


def test_pre_commit_try_repo_runs_both_hooks_offline(
    precommit: tuple[Path, Path], tmp_path: Path, fake_services: Any
) -> None:
    repo = tmp_path / "project"
    write(repo / "docs" / "notes.md", DOC)
    write(repo / "clean.md", CLEAN_DOC)
    write(repo / "refs.bib", BIB)
    git(repo, "init", "--quiet")
    git(repo, "add", ".")
    git(repo, "commit", "--quiet", "-m", "project")

    code, log = try_repo(precommit, repo, "evidence-check", "docs/notes.md", "clean.md")
    assert code == 1, log
    assert "evidence check (claims of changed documents)" in log and "Failed" in log
    assert "unsourced (1)" in log and "Massage therapy lowers anxiety" in log
    code, log = try_repo(precommit, repo, "evidence-check", "clean.md")
    assert code == 0, log
    assert "Passed" in log

    code, log = try_repo(precommit, repo, "evidence-verify", "refs.bib")
    assert code == 1, log
    assert "field1996: offline: not in the HTTP cache" in log
    # With the services' answers recorded in a cache, offline checks pass.
    fake_services.add({**RETRACTED, "retracted": False})
    cache = tmp_path / "http-cache"
    filled = CliRunner().invoke(
        app, ["hook", "verify", str(repo / "refs.bib")], env={"EVIDENCE_CACHE": str(cache)}
    )
    assert filled.exit_code == 0, filled.output
    code, log = try_repo(precommit, repo, "evidence-verify", "refs.bib", EVIDENCE_CACHE=str(cache))
    assert code == 0, log
    assert "Passed" in log
    assert not list(repo.glob("*.db"))

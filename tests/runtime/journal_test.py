"""The resumable executor: steps journaled in order, failures, a killed process resumed, abort newest first."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import List

import pytest

from calver_release.runtime.journal import (
    Command,
    Journal,
    StateFileError,
    StateStore,
    Status,
    Step,
    abort_journal,
    load_journal,
    main,
    run_journal,
    save_state,
)
from calver_release.runtime.plugin_python import module_command, module_env

DONE, FAILED, PENDING, RUNNING = Status.DONE, Status.FAILED, Status.PENDING, Status.RUNNING


def sh(script: str) -> Command:
    return Command(("sh", "-c", script))


def make_journal(tmp_path: Path, *steps: Step) -> Path:
    path = StateStore(tmp_path / ".git").file("op")
    save_state(path, Journal("op", str(tmp_path), steps, {"from": "a"}))
    return path


def logged(tmp_path: Path) -> List[str]:
    log = tmp_path / "log"
    return log.read_text().splitlines() if log.exists() else []


def step(name: str, script: str = "", undo: str = "") -> Step:
    return Step(
        name,
        f"step {name}",
        (sh(f"echo {name} >> log{'; ' + script if script else ''}"),),
        undo=(sh(f"echo undo-{name} >> log"),) if undo else (),
    )


@pytest.mark.parametrize(
    "argv, rendered",
    [
        pytest.param(
            ("alembic", "-x", "db=postgresql://backend:s3cret@127.0.0.1:8100/backend", "current"),
            "alembic -x db=postgresql://backend:***@127.0.0.1:8100/backend current",
            id="password-masked",
        ),
        pytest.param(
            ("pg_dump", "postgresql://backend@localhost/backend"),
            "pg_dump postgresql://backend@localhost/backend",
            id="no-password",
        ),
        pytest.param(("cp", "-p", ".local/manager.sqlite", "backup"), "cp -p .local/manager.sqlite backup", id="sqlite"),
    ],
)
def test_render_masks_database_passwords(argv: tuple, rendered: str) -> None:
    assert Command(argv).render() == rendered


def test_journal_round_trips_through_json(tmp_path: Path) -> None:
    journal = Journal("op", "/repo", (Step("s", "d", (Command(("a", "b c"), {"X": "1"}, "sub"),), (sh("u"),)),), {"k": [1]})
    path = StateStore(tmp_path).file("op")
    save_state(path, journal)
    assert path == tmp_path / "calver-release" / "op.json"
    assert load_journal(path) == journal
    assert journal.steps[0].commands[0].render() == "X=1 a 'b c'"


def test_runs_every_step_in_order_and_removes_the_journal(tmp_path: Path) -> None:
    path = make_journal(tmp_path, step("one"), step("two"))
    lines: List[str] = []
    assert run_journal(path, lines.append) == 0
    assert logged(tmp_path) == ["one", "two"]
    assert [line.split(" done in ")[0] for line in lines] == [
        "[1/2] step one ...",
        "✓ [1/2] step one",
        "[2/2] step two ...",
        "✓ [2/2] step two",
    ]
    assert not path.exists()


def test_failure_stops_and_continue_resumes_at_the_failed_step(tmp_path: Path) -> None:
    path = make_journal(tmp_path, step("one"), step("two", "[ -e fixed ] || exit 4"), step("three"))
    lines: List[str] = []
    assert run_journal(path, lines.append) == 4
    assert [s.status for s in load_journal(path).steps] == [DONE, FAILED, PENDING]
    assert lines[-1].startswith("✕ [2/3] step two failed (exit code 4) after ")
    (tmp_path / "fixed").touch()
    assert run_journal(path, lines.append) == 0
    assert logged(tmp_path) == ["one", "two", "two", "three"]


def test_killed_executor_leaves_the_step_running_and_continue_reruns_only_it(tmp_path: Path) -> None:
    kill_once = "[ -e killed ] || { touch killed; kill -9 $PPID; exit 9; }"
    path = make_journal(tmp_path, step("one"), Step("two", "step two", (sh(f"{kill_once}; echo two >> log"),)), step("three"))
    command = module_command("calver_release.runtime.journal", "run", str(path))
    proc = subprocess.run(command, env={**os.environ, **module_env()}, capture_output=True, text=True, timeout=60)
    assert proc.returncode == -9
    assert [s.status for s in load_journal(path).steps] == [DONE, RUNNING, PENDING]
    lines: List[str] = []
    assert run_journal(path, lines.append) == 0
    assert logged(tmp_path) == ["one", "two", "three"]
    assert lines[0] == "[2/3] step two ..."


def test_abort_undoes_started_steps_newest_first(tmp_path: Path) -> None:
    path = make_journal(
        tmp_path, step("one", undo="y"), step("two"), step("three", "exit 2", undo="y"), step("four", undo="y")
    )
    assert run_journal(path, lambda line: None) == 2
    lines: List[str] = []
    assert abort_journal(path, lines.append) == 0
    assert logged(tmp_path) == ["one", "two", "three", "undo-three", "undo-one"]
    assert lines == ["Undoing: step three ...", "✓ Undone: step three", "Undoing: step one ...", "✓ Undone: step one"]
    assert not path.exists()


def test_failed_undo_keeps_the_journal_for_another_abort(tmp_path: Path) -> None:
    failing_undo = Step("one", "step one", (sh("true"),), undo=(sh("[ -e fixed ] || exit 5"),))
    path = make_journal(tmp_path, replace(failing_undo, status=DONE), replace(step("two", undo="y"), status=DONE))
    lines: List[str] = []
    assert abort_journal(path, lines.append) == 5
    assert [s.status for s in load_journal(path).steps] == [DONE, PENDING]
    assert lines[-1] == "✕ Undoing step one failed (exit code 5); fix it and run --abort again"
    (tmp_path / "fixed").touch()
    assert abort_journal(path, lines.append) == 0
    assert logged(tmp_path) == ["undo-two"]


def test_main_reports_a_missing_or_broken_journal(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    missing = tmp_path / "none.json"
    assert main(["run", str(missing)]) == 1
    assert capsys.readouterr().err == f"`{missing}`: no operation in progress\n"
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    with pytest.raises(StateFileError):
        load_journal(broken)
    assert main(["frobnicate"]) == 2
    assert capsys.readouterr().err.endswith("usage: python -m calver_release.runtime.journal run|abort JOURNAL\n")


def test_module_command_uses_this_interpreter(tmp_path: Path) -> None:
    assert module_command("calver_release.runtime.journal", "abort", str(tmp_path / "j.json")) == (
        sys.executable, "-m", "calver_release.runtime.journal", "abort", str(tmp_path / "j.json")
    )


def test_a_failed_step_says_why_from_its_last_stderr_line(tmp_path: Path) -> None:
    reason = "echo 'connecting to postgresql://u:s3cret@db/x' >&2; echo 'FATAL: no such database' >&2; exit 3"
    path = make_journal(tmp_path, Step("one", "step one", (sh(reason),)))
    lines: List[str] = []
    assert run_journal(path, lines.append) == 3
    (failed,) = load_journal(path).steps
    assert (failed.status, failed.error) == (FAILED, "exit code 3: FATAL: no such database")
    assert lines[-1].startswith("✕ [1/1] step one failed (exit code 3: FATAL: no such database) after ")


def test_a_step_that_cannot_start_is_failed_with_the_reason(tmp_path: Path) -> None:
    path = make_journal(
        tmp_path, step("one"), Step("two", "step two", (Command(("no-such-program-here", "--x")),)), step("three")
    )
    lines: List[str] = []
    assert run_journal(path, lines.append) == 127
    assert [(s.status, s.error) for s in load_journal(path).steps] == [
        (DONE, None),
        (FAILED, "cannot start `no-such-program-here`: No such file or directory"),
        (PENDING, None),
    ]
    assert logged(tmp_path) == ["one"]


def test_a_failed_undo_is_recorded_on_its_step(tmp_path: Path) -> None:
    failing_undo = Step("one", "step one", (sh("true"),), undo=(sh("echo 'cannot switch back' >&2; exit 5"),))
    path = make_journal(tmp_path, replace(failing_undo, status=DONE))
    assert abort_journal(path, lambda line: None) == 5
    assert load_journal(path).steps[0].error == "undo: exit code 5: cannot switch back"


DAMAGED = [
    pytest.param("{}", "$: missing field `operation`", id="empty-object"),
    pytest.param("[]", "$: expected an object (got list [])", id="a-list"),
    pytest.param("null", "$: expected an object (got NoneType None)", id="null"),
    pytest.param(
        '{"operation": "op", "build_root": "/r", "steps": "touch pwned"}',
        "$.steps: expected a list (got str 'touch pwned')",
        id="steps-a-string",
    ),
    pytest.param(
        '{"operation": "op", "build_root": null, "steps": []}', "$.build_root: expected a string (got None)", id="nulls"
    ),
    pytest.param(
        '{"operation": "op", "build_root": "/r", "steps": [{"name": "s", "description": "d", '
        '"commands": [{"argv": "touch pwned"}]}]}',
        "$.steps[0].commands[0].argv: expected a list (got str 'touch pwned')",
        id="argv-a-string",
    ),
    pytest.param('{"operation": "op", "steps": [', "not JSON: Expecting value: line 1 column 31 (char 30)", id="truncated"),
]


@pytest.mark.parametrize("action", ["run", "abort"])
@pytest.mark.parametrize("text, reason", DAMAGED)
def test_the_executor_runs_nothing_from_a_damaged_journal(
    tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch, action: str, text: str, reason: str
) -> None:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "op.json"
    path.write_text(text)
    assert main([action, str(path)]) == 1
    assert capsys.readouterr().err == (
        f"`{path}`: damaged state file (got {reason}); nothing was run from it: check the repository "
        "(branches, database), then delete the file\n"
    )
    assert path.read_text() == text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["op.json"]


def test_a_damaged_journal_names_what_to_do_for_its_operation(tmp_path: Path) -> None:
    path = tmp_path / "op.json"
    path.write_text("{}")
    with pytest.raises(StateFileError) as error:
        load_journal(path, recovery="delete it after checking the halfstack")
    assert str(error.value) == (
        f"`{path}`: damaged state file (got $: missing field `operation`); nothing was run from it: "
        "delete it after checking the halfstack"
    )

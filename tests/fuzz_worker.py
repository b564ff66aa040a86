"""Child process of tests/test_fuzz_inputs.py: summarise many files under a memory limit.

Usage: python fuzz_worker.py LIMIT_BYTES LISTFILE. Each line of LISTFILE is a path; for each,
`hrzone summary --json` runs in this process (click's test runner), and for recordings the replay
source reads the file too. One JSON line per file goes to stdout: {"path", "code", "err",
"ok_json", "problem"}; problem is None when the file ended in a valid summary or a clean
one-line error.
"""

from __future__ import annotations

import json
import resource
import sys
import traceback

THRESHOLDS = ["--moderate", "110", "--high", "140"]
MAX_REASON = 240
"""An error's reason (after the file's name) fits on one screen line."""


def check(path: str) -> dict[str, object]:
    from click.testing import CliRunner

    from hrzone.cli import cli
    from hrzone.errors import HrzoneError
    from hrzone.recording import is_recording
    from hrzone.source import ReplaySource

    res = CliRunner().invoke(cli, ["summary", "--json", *THRESHOLDS, path])
    out, err = res.stdout, res.stderr.strip()
    problem = None
    ok_json = False
    docs: list[object] = []
    for line in out.splitlines():
        try:
            docs.append(json.loads(line))
        except ValueError:
            problem = "stdout line that is not JSON"
    sessions = [d for d in docs if isinstance(d, dict) and "minutes" in d]
    errors = [d for d in docs if isinstance(d, dict) and "error" in d]
    skipped = [d for d in docs if isinstance(d, dict) and "skipped" in d]
    if problem is None and len(sessions) + len(errors) + len(skipped) != len(docs):
        problem = "a JSON line that is neither a summary, an error nor a skip"
    ok_json = bool(sessions) and all("start_trusted" in d for d in sessions)
    for d in errors + skipped:
        msg = str(d.get("error") or d.get("skipped"))
        reason = msg.split(": ", 1)[-1] if msg.startswith(path) else msg
        if "\n" in msg or len(reason) > MAX_REASON:
            problem = f"error longer than a screen line ({len(reason)} characters)"
        if "unexpected" in msg or "Traceback" in msg:
            problem = "unexpected error"
    if problem is not None:
        pass
    elif res.exit_code == 0:
        if not (sessions or skipped) or errors:
            problem = "exit 0 without a valid summary"
    elif res.exit_code == 1:
        if not errors:
            reason = err.removeprefix("Error: ")
            reason = reason.split(": ", 1)[-1] if reason.startswith(path) else reason
            if "\n" in err or not err.startswith("Error: "):
                problem = "error is not one line starting with 'Error: '"
            elif "unexpected" in err or "Traceback" in out + err:
                problem = "unexpected error"
            elif len(reason) > MAX_REASON:
                problem = f"error longer than a screen line ({len(reason)} characters)"
        err = err or str(errors[0].get("error")) if errors else err  # type: ignore[union-attr]
    else:
        problem = f"exit code {res.exit_code}"
        if res.exc_info is not None:
            problem += ": " + "".join(traceback.format_exception(*res.exc_info))[-600:]
    if problem is None and res.exit_code in (0, 1) and is_recording(path):
        try:
            ReplaySource(path, speed=None)
        except HrzoneError as e:
            if "\n" in str(e):
                problem = "replay error is not one line"
        except Exception as e:  # noqa: BLE001 - exactly what this worker looks for
            problem = f"replay: unexpected {type(e).__name__}: {str(e)[:200]}"
    return {"path": path, "code": res.exit_code, "err": err[:300], "ok_json": ok_json,
            "problem": problem}


def main() -> None:
    limit = int(sys.argv[1])
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    with open(sys.argv[2]) as fh:
        paths = fh.read().split("\n")
    for p in paths:
        if p:
            print(json.dumps(check(p)), flush=True)


if __name__ == "__main__":
    main()

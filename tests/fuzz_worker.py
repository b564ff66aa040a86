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
    if res.exit_code == 0:
        try:
            obj = json.loads(out)
            ok_json = isinstance(obj, dict) and "minutes" in obj and "start_trusted" in obj
        except ValueError:
            pass
        if not ok_json:
            problem = "exit 0 without a valid summary"
    elif res.exit_code == 1:
        try:  # with --json a file's error is a JSON line on stdout
            err = str(json.loads(out)["error"]) if out.strip() and not err else err
        except (ValueError, KeyError, TypeError):
            problem = "exit 1 with neither a JSON error nor a message"
        if problem:
            pass
        elif "\n" in err or not (err.startswith("Error: ") or err.startswith(path)):
            problem = "error is not one line starting with 'Error: '"
        elif "unexpected" in err or "Traceback" in out + err:
            problem = "unexpected error"
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

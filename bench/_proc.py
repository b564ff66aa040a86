"""Run `hrzone ...` in a fresh process and measure it: wall time and peak resident memory.

The peak is the process's own VmHWM (Linux), printed by the child at exit, so neither the
benchmark's own memory nor (with --jobs) the worker processes are counted in it.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TESTS = REPO / "tests"
REALDATA = Path(os.environ.get("HRZONE_REALDATA") or REPO.parent / "shared" / "realdata")

_WRAP = ("import atexit, sys\n"
         "def _hwm():\n"
         "    for line in open('/proc/self/status'):\n"
         "        if line.startswith('VmHWM'):\n"
         "            sys.stderr.write('VMHWM_KB ' + line.split()[1] + '\\n')\n"
         "atexit.register(_hwm)\n"
         "from hrzone.cli import cli\n"
         "sys.argv = ['hrzone'] + sys.argv[1:]\n"
         "cli(prog_name='hrzone')\n")


@dataclass(frozen=True)
class Run:
    seconds: float
    peak_mb: float
    code: int
    out: str
    err: str
    cpu_s: float | None = None   # user + system CPU of the process and all its descendants
    load: float = 0.0            # 1-minute load average at the end


def hrzone(*args: str, env: dict[str, str] | None = None) -> Run:
    """Run `hrzone ARGS` in a fresh interpreter; its wall time, peak RSS (MB) and, when psutil
    is installed (benchmarks only), the CPU time of its whole process tree (workers included)."""
    try:
        import psutil
    except ImportError:
        psutil = None
    t0 = time.perf_counter()
    p = subprocess.Popen([sys.executable, "-c", _WRAP, *args], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, env={**os.environ, **(env or {})},
                         cwd=REPO)
    cpu: dict[int, float] = {}
    if psutil is not None:
        import threading

        def sample() -> None:
            while p.poll() is None:
                try:
                    root = psutil.Process(p.pid)
                    for c in [root, *root.children(recursive=True)]:
                        try:
                            ct = c.cpu_times()
                            cpu[c.pid] = ct.user + ct.system
                        except psutil.Error:
                            pass
                except psutil.Error:
                    pass
                time.sleep(0.2)

        th = threading.Thread(target=sample, daemon=True)
        th.start()
    out, err_text = p.communicate()
    dt = time.perf_counter() - t0
    peak = 0.0
    err = []
    for line in err_text.splitlines():
        if line.startswith("VMHWM_KB "):
            peak = int(line.split()[1]) / 1024
        else:
            err.append(line)
    return Run(dt, peak, p.returncode, out, "\n".join(err),
               sum(cpu.values()) if cpu else None, os.getloadavg()[0])


def idle_mb() -> float:
    """Peak RSS of an interpreter that loaded `hrzone summary` and did nothing."""
    r = hrzone("summary", "--help")
    return r.peak_mb


def machine() -> str:
    """One line: machine, Python, numpy, fitdecode, date."""
    import fitdecode
    import numpy

    return (f"machine: {platform.machine()} {os.cpu_count()} cores, Python "
            f"{platform.python_version()}, numpy {numpy.__version__}, fitdecode "
            f"{fitdecode.__version__}; {date.today()}; load average "
            f"{os.getloadavg()[0]:.1f}")


def add_tests_to_path() -> None:
    """The export builders live in tests/exports.py (shared with the tests)."""
    if str(TESTS) not in sys.path:
        sys.path.insert(0, str(TESTS))

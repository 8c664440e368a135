"""Run every bench/bench_*.py script and print one summary of their targets.

    .venv/bin/python bench/run_all.py              # or: make bench
    .venv/bin/python bench/run_all.py foundation   # only the scripts whose name contains it
    .venv/bin/python bench/run_all.py --fresh      # options are passed on to every script
    .venv/bin/python bench/run_all.py --pg         # or: make bench-pg; on PostgreSQL
    .venv/bin/python bench/run_all.py --skip-helpdesk   # without the helpdesk comparison

Each script writes bench/results/<name>.json with a "targets" section and exits 0 when
every target is met, 3 when one is missed (anything else is a failure). This prints the
targets side by side, writes bench/results/summary.json and exits non-zero if any target
is missed or any script failed.

``--pg`` runs the same scripts on a PostgreSQL server of the benchmarks' own
(bench/pgserver.py: data directory var/bench-pg/data, durability on), started for the
run and stopped after it; the first run builds the bench district there, later runs reuse
it, and ``--pg --fresh`` drops the database first. Figures go to bench/results/postgresql/.
The django-helpdesk comparison (``helpdesk_compare.py``, both sides on SQLite) is left out.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import common
import pgserver


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    options = [a for a in argv if a.startswith("-")]
    words = [a for a in argv if not a.startswith("-")]
    extra = {}
    if "--skip-helpdesk" in options:  # bench_demands' option only
        options.remove("--skip-helpdesk")
        extra["demands"] = ["--skip-helpdesk"]
    if "--pg" not in options:
        return run(options, words, extra)
    options.remove("--pg")
    fresh = "--fresh" in options
    options = [o for o in options if o != "--fresh"]  # the scripts' --fresh is SQLite's
    with pgserver.running() as database_url:
        if fresh:
            pgserver.drop_database()
        os.environ["DATABASE_URL"] = database_url
        # Stamps of the district's generation and the static root: the server's own.
        os.environ.setdefault("GONGZHI_VAR_DIR", str(pgserver.PG_DIR))
        print(f"PostgreSQL bench server: {database_url}", flush=True)
        return run(options, words, extra={"demands": ["--skip-helpdesk"]})


def run(options, words, extra=None) -> int:
    extra = extra or {}
    scripts = sorted(Path(__file__).resolve().parent.glob("bench_*.py"))
    if words:
        scripts = [s for s in scripts if any(word in s.stem for word in words)]
    summary, failed = {}, []
    for script in scripts:
        name = script.stem.removeprefix("bench_")
        print(f"=== {name} ===", flush=True)
        result_file = common.results_dir() / f"{name}.json"
        result_file.unlink(missing_ok=True)  # never report a previous run's figures
        started = time.perf_counter()
        command = [sys.executable, str(script), *options, *extra.get(name, [])]
        code = subprocess.call(command, cwd=common.PROJECT)  # noqa: S603
        elapsed = time.perf_counter() - started
        if code not in (0, common.TARGET_MISSED) or not result_file.exists():
            failed.append(name)
            summary[name] = {"exit_code": code, "seconds": round(elapsed, 1)}
            continue
        result = json.loads(result_file.read_text())
        summary[name] = {
            "exit_code": code,
            "seconds": round(elapsed, 1),
            "machine": result.get("machine_before") or result.get("machine"),
            # bench_residents calls its targets "figures".
            "targets": result.get("targets") or result.get("figures", {}),
        }
    common.write_result("summary", summary)

    print(f"\n=== Summary ({'PostgreSQL' if common.on_postgresql() else 'SQLite'}) ===")
    missed = 0
    for name, entry in summary.items():
        if name in failed:
            print(f"  {name}: FAILED (exit {entry['exit_code']})")
            continue
        load = (entry.get("machine") or {}).get("loadavg")
        print(f"  {name} ({entry['seconds']} s, load before {load}):")
        for target_name, t in entry["targets"].items():
            missed += not t["ok"]
            unit = t.get("unit", "")
            mark = "ok  " if t["ok"] else "MISS"
            print(f"    {mark} {target_name}: {t['value']}{unit} (target {t['target']}{unit})")
    return 1 if failed or missed else 0


if __name__ == "__main__":
    sys.exit(main())

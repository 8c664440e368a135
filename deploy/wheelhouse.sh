#!/usr/bin/env bash
# Builds the wheelhouse: every wheel needed to install Gongzhi without a network on a
# machine of the same kind as this one (same Python minor version, Linux, same
# architecture), with the runtime pins, install.sh, the settings template and the
# deployment guide. `make wheelhouse` and the Dockerfile run it; docs/deploy.md.
#
# Usage: deploy/wheelhouse.sh [DIR]   (default var/wheelhouse; emptied first)
# PYTHON: the interpreter whose pip builds and downloads (default python3). Needs an index
# (PyPI or a mirror) for the runtime pins and for setuptools, which builds the project.
# PLATFORM: wheels for another kind of machine than this one, from the index's binary
# wheels only, for PYTHON's minor version: manylinux_2_28_x86_64 for an older glibc (2.28:
# Kylin V10, UOS 20, RHEL 8; this machine's build may need a newer one, see BUILD-INFO),
# manylinux_2_28_aarch64 for ARM servers.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${1:-var/wheelhouse}
PYTHON=${PYTHON:-python3}
PLATFORM=${PLATFORM:-}
pip() { "$PYTHON" -m pip --disable-pip-version-check "$@"; }
TARGET=()
if [ -n "$PLATFORM" ]; then
    TARGET=(--only-binary=:all: --implementation cp
        --python-version "$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')")
    # pip takes the platform tag literally: manylinux_2_28 also accepts the wheels for
    # every older glibc down to manylinux2014 (2.17), the tags most wheels carry.
    for tag in $("$PYTHON" - "$PLATFORM" <<'PY'
import re, sys
m = re.fullmatch(r"manylinux_2_(\d+)_(\w+)", sys.argv[1])
if not m:
    print(sys.argv[1])
else:
    glibc, arch = int(m.group(1)), m.group(2)
    print(*(f"manylinux_2_{v}_{arch}" for v in range(glibc, 16, -1)), f"manylinux2014_{arch}")
PY
    ); do
        TARGET+=(--platform "$tag")
    done
fi

rm -rf "$DIR"
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)

# The project's wheel. setuptools' build/ keeps files deleted since an earlier build and
# would put them in the wheel: start without it.
rm -rf build
pip wheel --quiet --no-deps --wheel-dir "$DIR" .
rm -rf build
# The runtime pins, exactly: a wheel from the index where there is one, built otherwise.
if [ -n "$PLATFORM" ]; then
    pip download --quiet --no-deps "${TARGET[@]}" --dest "$DIR" -r requirements.lock
else
    pip wheel --quiet --no-deps --wheel-dir "$DIR" -r requirements.lock
fi

# The wheelhouse must install on its own: every dependency of the project's wheel pinned
# in requirements.lock and present here. Nothing of this machine's pip configuration
# (indexes, find-links) takes part, as on the machine it is carried to.
# (pip takes platform options only with --target, written to by no dry run.)
if ! PIP_CONFIG_FILE=/dev/null pip install --isolated --dry-run --quiet --ignore-installed \
    ${PLATFORM:+"${TARGET[@]}" --target "$DIR/.none"} --no-index --find-links "$DIR" -r requirements.lock "$DIR"/gongzhi-*.whl; then
    echo "The wheelhouse does not install offline: does requirements.lock pin every" \
        "dependency of pyproject.toml? (make lock)" >&2
    exit 1
fi

cp requirements.lock deploy/install.sh "$DIR/"
cp .env.example "$DIR/env.example"
cp docs/deploy.md "$DIR/deploy.md"

"$PYTHON" - "$DIR" "$PLATFORM" <<'PY' >"$DIR/BUILD-INFO"
import platform, re, subprocess, sys, sysconfig
from pathlib import Path

wheels = sorted(p.name for p in Path(sys.argv[1]).glob("*.whl"))
project = next(w for w in wheels if w.startswith("gongzhi-"))
# The newest glibc any wheel was built for (manylinux_2_28 needs glibc 2.28 or later).
glibc = max(
    [(2, 17)] * any("manylinux2014" in w for w in wheels)
    + [tuple(map(int, m)) for w in wheels for m in re.findall(r"manylinux_(\d+)_(\d+)", w)],
    default=None,
)
try:
    commit = subprocess.run(
        ["git", "describe", "--always", "--dirty=+uncommitted-changes"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()
except (OSError, subprocess.CalledProcessError):
    commit = "unknown (no git checkout)"
print(f"project: {project.split('-')[0]} {project.split('-')[1]}")
print(f"commit: {commit}")
print(f"python: {sys.version_info.major}.{sys.version_info.minor}")
print(f"platform: {sys.argv[2] or sysconfig.get_platform()}")
if glibc:
    print(f"glibc: {glibc[0]}.{glibc[1]} or newer")
print(f"built on: {platform.platform()}")
print(f"wheels: {len(wheels)}")
PY

(cd "$DIR" && sha256sum -- * >"$DIR/.SHA256SUMS" && mv .SHA256SUMS SHA256SUMS)
cat "$DIR/BUILD-INFO"
echo "Wheelhouse: $DIR ($(du -sh "$DIR" | cut -f1)); install with: $DIR/install.sh VENV_DIR"

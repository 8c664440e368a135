#!/bin/sh
# Installs Gongzhi, or upgrades it, into a virtual environment from this wheelhouse alone:
# no index, no network, none of the machine's pip configuration. Built by
# `make wheelhouse`; deploy.md (docs/deploy.md in the repository) is the whole procedure.
#
# Usage: ./install.sh VENV_DIR          e.g. ./install.sh /srv/gongzhi/venv
#        PYTHON=python3.11 ./install.sh VENV_DIR   (the interpreter of a new VENV_DIR)
# VENV_DIR is created when missing (Debian: apt-get install python3-venv). Afterwards,
# with the settings loaded: gongzhi migrate, gongzhi collectstatic, restart the services.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
VENV=${1:?usage: install.sh VENV_DIR}
PYTHON=${PYTHON:-python3}

if command -v sha256sum >/dev/null 2>&1; then
    (cd "$HERE" && sha256sum --quiet --check SHA256SUMS) ||
        { echo "install.sh: files differ from SHA256SUMS: copy the wheelhouse again" >&2; exit 1; }
fi
if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV"
fi
# The wheels are for one Python minor version (BUILD-INFO): say so plainly, rather than
# let pip report that some pinned release "is not available".
WANT=$(sed -n 's/^python: //p' "$HERE/BUILD-INFO")
HAVE=$("$VENV/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
if [ -n "$WANT" ] && [ "$WANT" != "$HAVE" ]; then
    echo "install.sh: this wheelhouse is for Python $WANT; $VENV has Python $HAVE" >&2
    exit 1
fi

pip() {
    PIP_CONFIG_FILE=/dev/null "$VENV/bin/python" -m pip --isolated --disable-pip-version-check "$@"
}
pip install --quiet --no-index --find-links "$HERE" -r "$HERE/requirements.lock"
# The project last, reinstalled even when its version number has not changed.
pip install --quiet --no-index --no-deps --force-reinstall "$HERE"/gongzhi-*.whl
pip check
"$VENV/bin/python" -c 'from importlib.metadata import version; print("gongzhi", version("gongzhi"), "installed")'
echo "from $HERE ($(sed -n 's/^commit: //p' "$HERE/BUILD-INFO")) into $VENV"

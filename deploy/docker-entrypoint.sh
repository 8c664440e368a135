#!/bin/sh
# Entrypoint of the Gongzhi image (under tini, which forwards signals and reaps children).
# `run`, the default command, migrates the database and collects the static files first,
# then serves (gunicorn, in this process); any other command is a gongzhi command as it
# is: `worker`, `backup`, `audit_verify`, `createsuperuser`, `shell`...
set -eu
[ "$#" -gt 0 ] || set -- run
if [ "$1" = run ]; then
    gongzhi migrate --noinput
    gongzhi collectstatic --noinput -v0
fi
exec gongzhi "$@"

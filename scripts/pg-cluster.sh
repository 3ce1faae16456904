#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster for the test suite, reachable only through a Unix socket.
#
#   scripts/pg-cluster.sh start DIR   create DIR/data, start it, print the DATABASE_URL
#   scripts/pg-cluster.sh stop DIR    stop the server and delete DIR
#   scripts/pg-cluster.sh url DIR     print the DATABASE_URL again
#
# initdb refuses to run as root, so as root the server runs as the ``postgres`` user
# (DIR is handed to it); as anyone else it runs as that user. Durability is switched off:
# the cluster lives for one test run. The role ``edupact`` is a superuser so that
# pytest-django can create and drop its ``test_…`` databases.
set -euo pipefail

usage() { echo "usage: $0 start|stop|url DIR" >&2; exit 2; }
[[ $# -eq 2 ]] || usage
action=$1
dir=$(realpath -m "$2")
role=edupact
database=edupact

pg_bindir() {
    local candidate
    for candidate in \
        "$(dpkg -L postgresql-15 2>/dev/null | grep -m1 '/bin/initdb$' | xargs -r dirname)" \
        /usr/lib/postgresql/15/bin \
        "$(command -v initdb 2>/dev/null | xargs -r dirname)"; do
        if [[ -n $candidate && -x $candidate/initdb && -x $candidate/pg_ctl ]]; then
            echo "$candidate"
            return
        fi
    done
    echo "PostgreSQL 15 server binaries (initdb, pg_ctl) not found; install postgresql-15" >&2
    exit 1
}

# Run a server command as the cluster's owner.
as_owner() {
    if [[ $(id -u) -eq 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

url() { echo "postgres://${role}@/${database}?host=${dir}"; }

case $action in
start)
    bin=$(pg_bindir)
    mkdir -p "$dir"
    if [[ $(id -u) -eq 0 ]]; then
        chown postgres: "$dir"
    fi
    chmod 700 "$dir"
    as_owner "$bin/initdb" --pgdata="$dir/data" --username="$role" --auth=trust \
        --encoding=UTF8 --locale=C.UTF-8 --no-instructions >"$dir/initdb.log" 2>&1 || {
        cat "$dir/initdb.log" >&2
        exit 1
    }
    as_owner "$bin/pg_ctl" --pgdata="$dir/data" --log="$dir/server.log" --wait --timeout=60 \
        -o "-c listen_addresses='' -c unix_socket_directories='$dir' -c fsync=off \
            -c synchronous_commit=off -c full_page_writes=off -c max_connections=50 \
            -c shared_buffers=128MB" \
        start >/dev/null || {
        cat "$dir/server.log" >&2
        exit 1
    }
    as_owner "$bin/createdb" --host="$dir" --username="$role" "$database"
    url
    ;;
stop)
    if [[ -f $dir/data/postmaster.pid ]]; then
        bin=$(pg_bindir)
        as_owner "$bin/pg_ctl" --pgdata="$dir/data" --mode=immediate --wait stop >/dev/null || true
    fi
    case $dir in
    /tmp/* | "${TMPDIR:-/tmp}"/*) rm -rf "$dir" ;;
    *) echo "not deleting $dir (outside the temporary directory)" >&2 ;;
    esac
    ;;
url) url ;;
*) usage ;;
esac

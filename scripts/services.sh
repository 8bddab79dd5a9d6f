#!/usr/bin/env bash
# Real backing services for Quesiti (see shared/DESIGN.md, "Real components and
# how they start"): PostgreSQL 15 from Debian and Elasticsearch 8.19 from Maven
# Central, both on 127.0.0.1. Meant for root on Debian 12 (CI, dev machines).
#
#   scripts/services.sh start    install what is missing, start both, wait until ready
#   scripts/services.sh stop     stop both
#   scripts/services.sh status   say whether each is up (exit 1 if one is down)
#   scripts/services.sh env      print the exports to eval
set -euo pipefail

ES_VERSION=8.19.21   # newest 8.19.x on Maven Central when this was written
ES_ARTIFACT="org.elasticsearch.distribution.integ-test-zip:elasticsearch:${ES_VERSION}:zip"
# Pinned rather than Maven 3.8's old default (2.8); 3.8.1 is the one tested with `copy -Dartifact=`.
MVN_DEP_PLUGIN=org.apache.maven.plugins:maven-dependency-plugin:3.8.1
PG_VERSION=15
PG_CLUSTER=main
PG_PORT=5432
ES_PORT=9200
DB_USER=quesiti
DB_PASSWORD=quesiti
DB_NAME=quesiti
WAIT_SECONDS=${QUESITI_SERVICES_WAIT:-120}

SERVICES_DIR=${QUESITI_SERVICES_DIR:-/var/tmp/quesiti-services}
ES_HOME="$SERVICES_DIR/elasticsearch-$ES_VERSION"
ES_ZIP="$SERVICES_DIR/downloads/elasticsearch-$ES_VERSION.zip"
ES_DATA="$SERVICES_DIR/es-data"
ES_LOGS="$SERVICES_DIR/es-logs"
ES_PIDFILE="$SERVICES_DIR/run/elasticsearch.pid"
ES_STARTUP_LOG="$ES_LOGS/startup.log"
ES_USER=elasticsearch
PG_LOG="/var/log/postgresql/postgresql-$PG_VERSION-$PG_CLUSTER.log"

DATABASE_URL="postgres://$DB_USER:$DB_PASSWORD@127.0.0.1:$PG_PORT/$DB_NAME"
ELASTICSEARCH_URL="http://127.0.0.1:$ES_PORT"

# Default locale for anything we create (a cluster made under LANG=POSIX would be
# SQL_ASCII, which Django should not be given).
export LANG=C.UTF-8
export DEBIAN_FRONTEND=noninteractive

log() { echo "[services] $*" >&2; }
die() { echo "[services] ERROR: $*" >&2; exit 1; }

# --- Debian packages -------------------------------------------------------

APT_UPDATED=0
apt_install() {
    # Refresh the package lists once per run, only when something is to be
    # installed and apt does not know a candidate for it (fresh image).
    local pkg
    for pkg in "$@"; do
        if [ "$APT_UPDATED" = 0 ] && [[ "$(apt-cache policy "$pkg" 2>/dev/null)" != *"Candidate: "[0-9]* ]]; then
            log "apt-get update"
            apt-get update -qq
            APT_UPDATED=1
        fi
    done
    log "apt-get install $*"
    if ! apt-get install -y -qq --no-install-recommends "$@" >/dev/null; then
        # Stale lists can name versions the mirror no longer has: refresh once, retry.
        [ "$APT_UPDATED" = 0 ] || die "apt-get install $* failed"
        apt-get update -qq
        APT_UPDATED=1
        apt-get install -y -qq --no-install-recommends "$@" >/dev/null
    fi
}

# Tests compare captured output instead of piping into `grep -q`: with pipefail,
# grep quitting early can SIGPIPE the writer and turn a match into a failure.
pkg_installed() { [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]; }

ensure_packages() {
    local missing=() pkg
    for pkg in "postgresql-$PG_VERSION" hunspell-it unzip curl maven; do
        pkg_installed "$pkg" || missing+=("$pkg")
    done
    # ES 8.19 runs on Java 17+; the integ-test zip has no bundled JDK.
    if ! java_home >/dev/null 2>&1; then
        missing+=(openjdk-17-jre-headless)
    fi
    if [ "${#missing[@]}" -gt 0 ]; then
        apt_install "${missing[@]}"
    fi
}

java_home() {
    # Prints the JAVA_HOME of a java >= 17 on PATH (or Debian's 17), or fails.
    local java bin ver
    java=$(command -v java || true)
    [ -n "$java" ] || java=/usr/lib/jvm/java-17-openjdk-amd64/bin/java
    [ -x "$java" ] || return 1
    bin=$(readlink -f "$java")
    ver=$("$bin" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1)
    [ -n "$ver" ] && [ "$ver" -ge 17 ] || return 1
    dirname "$(dirname "$bin")"
}

# --- PostgreSQL -------------------------------------------------------------

pg_ready() { pg_isready -q -h 127.0.0.1 -p "$PG_PORT"; }

pg_cluster_status() { pg_lsclusters -h 2>/dev/null | awk -v v="$PG_VERSION" -v c="$PG_CLUSTER" '$1==v && $2==c {print $4}'; }
pg_running() { [[ "$(pg_cluster_status)" == online* ]]; }

psql_admin() {
    # As the postgres superuser over the local socket (peer auth); cd / so
    # psql does not complain about root's home directory.
    (cd / && runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -p "$PG_PORT" "$@")
}

start_postgres() {
    if [ -z "$(pg_cluster_status)" ]; then
        log "creating PostgreSQL cluster $PG_VERSION/$PG_CLUSTER"
        pg_createcluster --locale C.UTF-8 -p "$PG_PORT" "$PG_VERSION" "$PG_CLUSTER" >/dev/null
    fi
    # Fixed port, loopback only. listen_addresses goes in a conf.d drop-in
    # because pg_conftool writes a dotted address unquoted (a syntax error).
    pg_conftool "$PG_VERSION" "$PG_CLUSTER" set port "$PG_PORT"
    printf "# Written by scripts/services.sh\nlisten_addresses = '127.0.0.1'\n" \
        >"/etc/postgresql/$PG_VERSION/$PG_CLUSTER/conf.d/quesiti.conf"

    if pg_running; then
        log "PostgreSQL $PG_VERSION/$PG_CLUSTER already running"
    else
        log "starting PostgreSQL $PG_VERSION/$PG_CLUSTER"
        pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" start || {
            tail -n 50 "$PG_LOG" >&2 || true
            die "PostgreSQL failed to start"
        }
    fi

    local waited=0
    until pg_ready; do
        if [ "$waited" -ge "$WAIT_SECONDS" ]; then
            tail -n 50 "$PG_LOG" >&2 || true
            die "PostgreSQL not ready after ${WAIT_SECONDS}s"
        fi
        sleep 1; waited=$((waited + 1))
    done

    # Role with CREATEDB because the test runner creates test_$DB_NAME.
    psql_admin <<SQL
DO \$\$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$DB_USER') THEN
    CREATE ROLE $DB_USER LOGIN CREATEDB PASSWORD '$DB_PASSWORD';
  ELSE
    ALTER ROLE $DB_USER LOGIN CREATEDB PASSWORD '$DB_PASSWORD';
  END IF;
END
\$\$;
SQL
    if [ -z "$(psql_admin -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'")" ]; then
        log "creating database $DB_NAME"
        psql_admin -c "CREATE DATABASE $DB_NAME OWNER $DB_USER ENCODING 'UTF8' TEMPLATE template0"
    fi
    local enc
    enc=$(psql_admin -tAc "SELECT pg_encoding_to_char(encoding) FROM pg_database WHERE datname = 'template1'")
    [ "$enc" = UTF8 ] || log "WARNING: template1 is $enc, not UTF8: test databases will inherit it"
    log "PostgreSQL ready: $DATABASE_URL"
}

stop_postgres() {
    if pg_running; then
        log "stopping PostgreSQL $PG_VERSION/$PG_CLUSTER"
        pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" stop
    else
        log "PostgreSQL not running"
    fi
}

# --- Elasticsearch ----------------------------------------------------------

es_pid() {
    # PID of our node if its pid file points at a live process.
    local pid
    [ -s "$ES_PIDFILE" ] || return 1
    pid=$(cat "$ES_PIDFILE")
    kill -0 "$pid" 2>/dev/null || return 1
    # After a reboot the pid may belong to something else.
    [[ "$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" == *org.elasticsearch* ]] || return 1
    echo "$pid"
}

es_health() { curl -fsS --max-time 5 "$ELASTICSEARCH_URL/_cluster/health" 2>/dev/null; }

install_elasticsearch() {
    if [ -x "$ES_HOME/bin/elasticsearch" ]; then
        return 0
    fi
    if [ ! -s "$ES_ZIP" ]; then
        log "downloading $ES_ARTIFACT"
        mkdir -p "$(dirname "$ES_ZIP")"
        # Run from / so mvn never picks up a pom.xml from the current directory;
        # its output (ANSI noise even with -q) goes to a log shown on failure.
        local mvn_log="$SERVICES_DIR/downloads/mvn.log"
        (cd / && mvn -B -q -Dstyle.color=never "$MVN_DEP_PLUGIN:copy" -Dartifact="$ES_ARTIFACT" \
            -DoutputDirectory="$(dirname "$ES_ZIP")") >"$mvn_log" 2>&1 || {
            tail -n 50 "$mvn_log" >&2
            die "mvn could not fetch $ES_ARTIFACT"
        }
    fi
    log "unpacking $ES_ZIP"
    local tmp="$SERVICES_DIR/unpack.$$"
    rm -rf "$tmp"
    unzip -q "$ES_ZIP" -d "$tmp"
    mv "$tmp/elasticsearch-$ES_VERSION" "$ES_HOME"
    rm -rf "$tmp"
}

configure_elasticsearch() {
    # Overwritten on each start: this node is ours and only ours.
    cat >"$ES_HOME/config/elasticsearch.yml" <<YML
# Written by scripts/services.sh; edits are lost on the next start.
cluster.name: quesiti
node.name: quesiti-1
path.data: $ES_DATA
path.logs: $ES_LOGS
network.host: 127.0.0.1
http.port: $ES_PORT
discovery.type: single-node
xpack.security.enabled: false
# A dev/CI node must not turn indices read-only because the disk is fairly full.
cluster.routing.allocation.disk.threshold_enabled: false
YML
    # Italian dictionary for the core "hunspell" token filter (locale it_IT).
    mkdir -p "$ES_HOME/config/hunspell/it_IT"
    cp -L /usr/share/hunspell/it_IT.aff /usr/share/hunspell/it_IT.dic "$ES_HOME/config/hunspell/it_IT/"
}

start_elasticsearch() {
    install_elasticsearch
    getent passwd "$ES_USER" >/dev/null ||
        useradd --system --no-create-home --home-dir "$SERVICES_DIR" --shell /usr/sbin/nologin "$ES_USER"
    mkdir -p "$ES_DATA" "$ES_LOGS" "$(dirname "$ES_PIDFILE")"
    # ES refuses to run as root, so the node and everything it writes belong to $ES_USER.
    chmod 755 "$SERVICES_DIR"
    runuser -u "$ES_USER" -- test -x "$SERVICES_DIR" ||
        die "$ES_USER cannot reach $SERVICES_DIR (a parent directory is closed); set QUESITI_SERVICES_DIR"

    if es_pid >/dev/null; then
        log "Elasticsearch already running (pid $(es_pid))"
    else
        if es_health >/dev/null; then
            die "something else already answers on $ELASTICSEARCH_URL"
        fi
        configure_elasticsearch
        chown -R "$ES_USER:" "$ES_HOME" "$ES_DATA" "$ES_LOGS" "$(dirname "$ES_PIDFILE")"
        local jhome
        jhome=$(java_home) || die "no Java 17+ found"
        log "starting Elasticsearch $ES_VERSION (logs in $ES_LOGS)"
        # `-d` returns only once the node is up; `timeout` keeps a stuck start bounded.
        (cd "$ES_HOME" && timeout -k 10 "$WAIT_SECONDS" runuser -u "$ES_USER" -- env \
            ES_JAVA_HOME="$jhome" ES_JAVA_OPTS="-Xms512m -Xmx512m" \
            "$ES_HOME/bin/elasticsearch" -d -p "$ES_PIDFILE" >"$ES_STARTUP_LOG" 2>&1) || {
            tail -n 50 "$ES_STARTUP_LOG" >&2 || true
            tail -n 50 "$ES_LOGS/quesiti.log" >&2 2>/dev/null || true
            die "Elasticsearch failed to start"
        }
    fi

    local waited=0 health=""
    while :; do
        health=$(es_health || true)
        case "$health" in
            *'"status":"green"'* | *'"status":"yellow"'*) break ;;
        esac
        if [ "$waited" -ge "$WAIT_SECONDS" ] || ! es_pid >/dev/null; then
            tail -n 50 "$ES_LOGS/quesiti.log" >&2 2>/dev/null || tail -n 50 "$ES_STARTUP_LOG" >&2 || true
            die "Elasticsearch not healthy after ${waited}s (last health: ${health:-none})"
        fi
        sleep 2; waited=$((waited + 2))
    done
    log "Elasticsearch ready: $ELASTICSEARCH_URL (status $(sed -n 's/.*"status":"\([a-z]*\)".*/\1/p' <<<"$health"))"
}

stop_elasticsearch() {
    local pid waited=0
    if ! pid=$(es_pid); then
        log "Elasticsearch not running"
        rm -f "$ES_PIDFILE"
        return 0
    fi
    log "stopping Elasticsearch (pid $pid)"
    kill "$pid"
    while kill -0 "$pid" 2>/dev/null; do
        if [ "$waited" -ge 60 ]; then
            log "Elasticsearch still up after 60s; killing it"
            kill -9 "$pid" 2>/dev/null || true
            break
        fi
        sleep 1; waited=$((waited + 1))
    done
    rm -f "$ES_PIDFILE"
}

# --- commands ---------------------------------------------------------------

cmd_start() {
    [ "$(id -u)" = 0 ] || die "start must run as root (it installs packages and switches users)"
    mkdir -p "$SERVICES_DIR"
    ensure_packages
    start_postgres
    start_elasticsearch
}

cmd_stop() {
    stop_elasticsearch
    if command -v pg_lsclusters >/dev/null; then stop_postgres; fi
}

cmd_status() {
    local rc=0 health
    if command -v pg_isready >/dev/null && pg_ready; then
        echo "postgresql: up ($DATABASE_URL)"
    else
        echo "postgresql: down"; rc=1
    fi
    if health=$(es_health); then
        echo "elasticsearch: up ($ELASTICSEARCH_URL) $health"
    else
        echo "elasticsearch: down"; rc=1
    fi
    return "$rc"
}

cmd_env() {
    echo "export DATABASE_URL=$DATABASE_URL"
    echo "export ELASTICSEARCH_URL=$ELASTICSEARCH_URL"
}

case "${1:-}" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    env) cmd_env ;;
    *) echo "usage: $0 start|stop|status|env" >&2; exit 2 ;;
esac

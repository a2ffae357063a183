# Shell pieces shared by scripts/setup, scripts/dev and scripts/test. Source it; it changes nothing by itself.
#
# Works on a machine that has only Python 3.11 and apt: uv, the virtual environment, Redis and the test tools
# are installed on first use.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
TOOLS="$ROOT/.tools"
RUN_DIR="$ROOT/.run"
UV=""

say() { printf '==> %s\n' "$*" >&2; }
warn() { printf '==> WARNING: %s\n' "$*" >&2; }
die() {
    printf '==> ERROR: %s\n' "$*" >&2
    exit 1
}

# Run a command as root: directly when we are root, through sudo when it needs no password, else fail.
as_root() {
    if [ "$(id -u)" = 0 ]; then
        "$@"
    elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
        sudo -n "$@"
    else
        return 1
    fi
}

can_apt() {
    [ -z "${DTX_NO_APT:-}" ] || return 1
    command -v apt-get >/dev/null || return 1
    [ "$(id -u)" = 0 ] || { command -v sudo >/dev/null && sudo -n true 2>/dev/null; }
}

_APT_UPDATED=""
apt_install() {
    can_apt || return 1
    if [ -z "$_APT_UPDATED" ]; then
        say "apt-get update"
        as_root apt-get update -qq >/dev/null || return 1
        _APT_UPDATED=1
    fi
    say "apt-get install $*"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# A Python 3.11 interpreter to bootstrap uv with (uv itself then manages the project's environment).
find_python() {
    local candidate
    for candidate in python3.11 python3 python; do
        if command -v "$candidate" >/dev/null &&
            "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

# uv from PATH, else from .tools/ (a small virtual environment made with the machine's Python just for uv).
ensure_uv() {
    if command -v uv >/dev/null; then
        UV="$(command -v uv)"
        return
    fi
    if [ ! -x "$TOOLS/bin/uv" ]; then
        local python
        python="$(find_python)" || die "Python 3.11 is needed (python3.11 on PATH)."
        say "installing uv into .tools/ (uv is not on PATH)"
        if ! "$python" -m venv "$TOOLS" 2>/dev/null; then
            rm -rf "$TOOLS"
            # Debian splits venv out of the interpreter package.
            apt_install python3.11-venv || die "$python cannot create a virtual environment; install python3.11-venv."
            "$python" -m venv "$TOOLS"
        fi
        "$TOOLS/bin/pip" install --quiet --disable-pip-version-check uv || die "could not install uv with pip"
    fi
    UV="$TOOLS/bin/uv"
}

ensure_venv() {
    ensure_uv
    say "uv sync --frozen ($("$UV" --version))"
    (cd "$ROOT" && "$UV" sync --frozen --quiet) || die "uv sync failed"
    mkdir -p "$RUN_DIR"
}

# "host port" of a redis:// URL (defaults: 127.0.0.1 6379).
redis_host_port() {
    "$VENV/bin/python" - "$1" <<'EOF'
import sys
from urllib.parse import urlsplit

parts = urlsplit(sys.argv[1])
print(parts.hostname or "127.0.0.1", parts.port or 6379)
EOF
}

redis_answers() {
    "$VENV/bin/python" - "$1" <<'EOF'
import sys

import redis

try:
    redis.Redis.from_url(sys.argv[1], socket_connect_timeout=1, socket_timeout=2).ping()
except redis.RedisError:
    sys.exit(1)
EOF
}

ensure_redis_server_installed() {
    command -v redis-server >/dev/null && return 0
    apt_install redis-server || return 1
}

# Make sure the Redis of `url` answers; a local one that does not is started (and installed first if missing),
# daemonized and without persistence, with its log in .run/. Never flushes or reconfigures a running Redis.
ensure_redis() {
    local url="$1" host port
    read -r host port < <(redis_host_port "$url")
    if redis_answers "$url"; then
        say "Redis at $host:$port answers"
        return
    fi
    case "$host" in
    127.0.0.1 | localhost | ::1) ;;
    *) die "Redis at $host:$port ($url) does not answer, and it is not on this machine: start it, or unset REDIS_URL." ;;
    esac
    ensure_redis_server_installed || die "Redis at $host:$port does not answer and redis-server is not installed (apt-get install redis-server)."
    say "starting redis-server on $host:$port (no persistence; log in .run/redis-$port.log)"
    redis-server --port "$port" --bind 127.0.0.1 --daemonize yes --save '' --appendonly no \
        --dir "$RUN_DIR" --logfile "$RUN_DIR/redis-$port.log" || die "redis-server did not start"
    local _
    for _ in $(seq 50); do
        redis_answers "$url" && return
        sleep 0.1
    done
    die "redis-server on port $port did not answer; see .run/redis-$port.log"
}

# Debian's Chromium for the browser tests (Playwright cannot download its own browser on these machines).
ensure_browser() {
    if [ -x /usr/bin/chromium ]; then
        return 0
    fi
    apt_install chromium || return 1
}

# Debian's docker-compose, only to validate docker-compose.yml (`docker-compose config` needs no Docker engine).
ensure_compose() {
    command -v docker-compose >/dev/null && return 0
    apt_install docker-compose || return 1
}

manage() {
    (cd "$ROOT" && "$VENV/bin/python" manage.py "$@")
}

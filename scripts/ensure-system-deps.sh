#!/usr/bin/env bash
# Installs the system packages the tests need, and only those that are missing:
#   - Chromium (/usr/bin/chromium), driven by Playwright for the web-chat sandbox tests;
#   - PostgreSQL server binaries (/usr/lib/postgresql/*/bin/postgres), for scripts/test-postgres.sh.
# Idempotent: when everything is present it does nothing (no apt-get update, no root needed).
set -euo pipefail

missing=()

if [ ! -x /usr/bin/chromium ]; then
    missing+=(chromium)
fi

have_postgres=false
for candidate in /usr/lib/postgresql/*/bin/postgres; do
    if [ -x "$candidate" ]; then
        have_postgres=true
        break
    fi
done
if ! $have_postgres; then
    missing+=(postgresql)
fi

if [ ${#missing[@]} -eq 0 ]; then
    echo "ensure-system-deps: chromium and postgresql are present"
    exit 0
fi

echo "ensure-system-deps: installing missing system packages: ${missing[*]}"

if [ "$(id -u)" -eq 0 ]; then
    as_root=()
elif command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
else
    echo "ensure-system-deps: error: missing system packages (${missing[*]}); run as root or install sudo," >&2
    echo "  or install them yourself: apt-get install --no-install-recommends ${missing[*]}" >&2
    exit 1
fi

"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends "${missing[@]}"

# Check the outcome, so a half-done install fails here rather than deep inside the tests.
if [ ! -x /usr/bin/chromium ]; then
    echo "ensure-system-deps: error: /usr/bin/chromium is still missing after the install" >&2
    exit 1
fi
if ! compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null; then
    echo "ensure-system-deps: error: no /usr/lib/postgresql/*/bin/postgres after the install" >&2
    exit 1
fi
echo "ensure-system-deps: done"

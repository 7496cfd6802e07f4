#!/usr/bin/env bash
# Installs the system packages the tests need, only where missing: PostgreSQL 15, Debian's chromium,
# Dovecot's IMAP server (the email tests start a throwaway one on a loopback port) and redis-server.
set -euo pipefail

need=()
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if ! command -v initdb >/dev/null 2>&1 && [ -z "$pg_bin" ]; then
  need+=(postgresql)
fi
if ! command -v chromium >/dev/null 2>&1; then
  need+=(chromium)
fi
if { ! command -v dovecot >/dev/null 2>&1 && [ ! -x /usr/sbin/dovecot ]; } || [ ! -x /usr/lib/dovecot/imap ]; then
  need+=(dovecot-imapd)
fi
if ! command -v redis-server >/dev/null 2>&1; then
  need+=(redis-server)  # huey on Redis and the shared limits are tested against a real one
fi
if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
echo "installing system packages: ${need[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
if ! chromium --version >/dev/null 2>&1; then
  echo "chromium was installed but does not start; the browser tests need /usr/bin/chromium" >&2
  exit 1
fi

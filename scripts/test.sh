#!/usr/bin/env bash
# The whole test suite, on a fresh Debian machine with the .NET SDK.
# Installs what the tests need (GNU Go, the referee and opponent of the Go tests) when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

gnugo=${GNUGO:-/usr/games/gnugo}
if [ ! -x "$gnugo" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "test.sh: installing GNU Go from Debian (apt-get install gnugo)" >&2
    apt-get install -y gnugo >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y gnugo >/dev/null; }
  fi
  if [ ! -x "$gnugo" ]; then
    echo "test.sh: GNU Go is needed at $gnugo and could not be installed; run 'sudo apt-get install gnugo' (or set GNUGO=/path/to/gnugo)." >&2
    exit 1
  fi
fi

exec dotnet test GoSeqZero.sln -c Release --logger "console;verbosity=normal" "$@"

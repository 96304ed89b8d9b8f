#!/bin/sh
# Print the path of a working Python 3.12 interpreter, or fail with a clear message.
# Order: $PYTHON, python3.12 on PATH, pyenv's 3.12.x, uv's discovery, common locations.
# pyenv shims only answer when the version is selected, so we ask pyenv for its 3.12 directly.
set -u

try() {
    candidate="$1"
    out=$("$@" -c 'import sys; assert sys.version_info[:2] == (3, 12); print(sys.executable)' 2>/dev/null) || return 1
    [ -n "$out" ] && echo "$out" && exit 0
    return 1
}

if [ -n "${PYTHON:-}" ]; then
    try $PYTHON || { echo "PYTHON=$PYTHON is not a working Python 3.12" >&2; exit 1; }
fi

try python3.12
root="${PYENV_ROOT:-$HOME/.pyenv}"
for v in $(ls -d "$root"/versions/3.12* 2>/dev/null | sort -rV); do
    try "$v/bin/python3.12"
done
if command -v pyenv >/dev/null 2>&1; then
    for v in $(pyenv versions --bare 2>/dev/null | grep '^3\.12' | sort -rV); do
        PYENV_VERSION="$v" try python3.12
    done
fi
if command -v uv >/dev/null 2>&1; then
    p=$(UV_PYTHON_DOWNLOADS=never uv python find 3.12 2>/dev/null) && try "$p"
fi
for p in /usr/local/bin/python3.12 /usr/bin/python3.12 /opt/homebrew/bin/python3.12; do
    [ -x "$p" ] && try "$p"
done
try python3

echo "No Python 3.12 found. Install it, or run: make PYTHON=/path/to/python3.12 ..." >&2
exit 1

#!/usr/bin/env bash
# Set up engage from a fresh clone: the system libraries WeasyPrint needs, then a virtual
# environment in .venv with engage installed (editable). `--dev` adds the test tools.
# Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

extras=""
if [ "${1:-}" = "--dev" ]; then extras="[test]"; fi
python="${PYTHON:-python3}"

have_lib() { ldconfig -p 2>/dev/null | grep -q "$1" || [ -n "$(find /usr/lib /usr/lib64 /usr/local/lib -name "$1*" 2>/dev/null | head -n 1)" ]; }

# WeasyPrint draws text with Pango (required). HarfBuzz's subsetter makes writing a PDF
# about three times faster than the fontTools fallback (optional, strongly recommended).
required=(); optional=()
have_lib libpango-1.0.so.0 || required+=(libpango-1.0-0)
have_lib libpangoft2-1.0.so.0 || required+=(libpangoft2-1.0-0)
have_lib libharfbuzz-subset.so.0 || optional+=(libharfbuzz-subset0)

missing=("${required[@]}" "${optional[@]}")
if [ ${#missing[@]} -gt 0 ]; then
  apt=""
  if command -v apt-get >/dev/null 2>&1; then
    if [ "$(id -u)" = "0" ]; then apt="apt-get"; elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then apt="sudo apt-get"; fi
  fi
  if [ -n "$apt" ]; then
    echo "setup: installing system libraries: ${missing[*]}"
    $apt update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive $apt install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    if [ ${#required[@]} -gt 0 ]; then
      echo "setup: WeasyPrint needs Pango, which is missing. Install it, then run this again:" >&2
      echo "  Debian/Ubuntu: sudo apt-get install ${required[*]} ${optional[*]}" >&2
      echo "  Fedora: sudo dnf install pango    macOS: brew install pango" >&2
      exit 1
    fi
    echo "setup: note: HarfBuzz's subsetter is missing; PDFs will be written about 3x slower." >&2
    echo "  Debian/Ubuntu: sudo apt-get install ${optional[*]}" >&2
  fi
fi

# The dashboard's browser tests drive Debian's Chromium (tests/test_dashboard_browser.py).
if [ -n "$extras" ]; then bash scripts/browser.sh; fi

if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
# pip's output goes to a log that is shown only if the install fails.
log=.venv/setup-pip.log
if ! { .venv/bin/python -m pip install --disable-pip-version-check --upgrade pip \
       && .venv/bin/python -m pip install --disable-pip-version-check -e ".${extras}"; } >"$log" 2>&1; then
  cat "$log" >&2
  echo "setup: installing engage's Python packages failed (log above, kept in $log)" >&2
  exit 1
fi
echo "setup: engage $(.venv/bin/engage --version | awk '{print $NF}') is ready: .venv/bin/engage --help"

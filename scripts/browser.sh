#!/usr/bin/env bash
# Install Debian's Chromium and its WebDriver for the dashboard's browser tests
# (tests/test_dashboard_browser.py). Safe to run again: it installs only what is missing.
# Without root or sudo it says what to install and exits 0: the browser tests then skip
# with that reason.
set -euo pipefail

if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
  exit 0
fi
apt=""
if command -v apt-get >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ]; then apt="apt-get"; elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then apt="sudo apt-get"; fi
fi
if [ -z "$apt" ]; then
  echo "setup: note: Chromium is missing; the browser tests will be skipped." >&2
  echo "  Debian/Ubuntu: sudo apt-get install chromium chromium-driver" >&2
  exit 0
fi
echo "setup: installing chromium and chromium-driver for the browser tests"
$apt update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive $apt install -y -qq --no-install-recommends chromium chromium-driver >/dev/null

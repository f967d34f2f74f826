#!/bin/sh
# What the tests need besides the Python packages: Debian's Chromium, in which
# tests/test_review.py renders the review page (Playwright drives it; it downloads no browser).
# Installed only when missing; as root, or through sudo.
set -e
if command -v chromium >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" = 0 ]; then
    as_root=""
elif command -v sudo >/dev/null 2>&1; then
    as_root="sudo"
else
    echo "tests/install-deps.sh: Chromium is missing and this user cannot install Debian packages; install the package chromium" >&2
    exit 1
fi
$as_root apt-get update -qq
DEBIAN_FRONTEND=noninteractive $as_root apt-get install -y -qq --no-install-recommends chromium >/dev/null
command -v chromium >/dev/null

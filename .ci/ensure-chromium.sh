#!/usr/bin/env sh
# The dashboard's browser test drives the system's Chromium (Playwright's own browser download is
# not used). Install it from the system packages when it is missing and we may (root with apt-get);
# otherwise say why the browser test will be skipped. Never fails the build.
CHROMIUM=/usr/bin/chromium
if [ -x "$CHROMIUM" ]; then
    exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing chromium for the dashboard's browser test (apt-get)"
    if apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; then
        exit 0
    fi
    echo "could not install chromium; the browser test will be skipped"
else
    echo "no $CHROMIUM and no root to install it; the browser test will be skipped"
fi
exit 0

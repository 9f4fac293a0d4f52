#!/usr/bin/env bash
# Make Debian's chromium and chromium-driver available for the browser tests of the HTML
# report (pytest -m browser): install them when missing and we are allowed to; otherwise
# say exactly what to do. The report itself needs no browser to be written.
set -u
have() { command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; }
if have; then
    exit 0
fi
if command -v apt-get >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; else SUDO="none"; fi
    if [ "$SUDO" != "none" ]; then
        echo "ensure-chromium: installing Debian's chromium and chromium-driver (for the browser tests)"
        if $SUDO apt-get install -y -qq chromium chromium-driver >/dev/null 2>&1 \
           || { $SUDO apt-get update -qq >/dev/null 2>&1 && $SUDO apt-get install -y -qq chromium chromium-driver >/dev/null 2>&1; }; then
            have && exit 0
        fi
    fi
fi
echo "ensure-chromium: chromium/chromedriver are missing and could not be installed here; run 'sudo apt-get install chromium chromium-driver' (Debian/Ubuntu). Until then the browser tests (-m browser) are skipped." >&2
exit 0

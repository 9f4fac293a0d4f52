#!/usr/bin/env bash
# Make Graphviz's `dot` available: install Debian's graphviz package when it is missing and
# we are allowed to; otherwise say exactly what to do. Diagrams as DOT text work without it.
set -u
if command -v dot >/dev/null 2>&1; then
    exit 0
fi
if command -v apt-get >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; else SUDO="none"; fi
    if [ "$SUDO" != "none" ]; then
        echo "ensure-dot: installing Debian's graphviz package (for diagram rendering)"
        if $SUDO apt-get install -y -qq graphviz >/dev/null 2>&1 \
           || { $SUDO apt-get update -qq >/dev/null 2>&1 && $SUDO apt-get install -y -qq graphviz >/dev/null 2>&1; }; then
            command -v dot >/dev/null 2>&1 && exit 0
        fi
    fi
fi
echo "ensure-dot: Graphviz's 'dot' is missing and could not be installed here; run 'sudo apt-get install graphviz' (Debian/Ubuntu) or 'brew install graphviz' (macOS). Until then diagrams are written as .dot text only." >&2
exit 0

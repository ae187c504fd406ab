#!/bin/sh
# validate-stix.sh - checks STIX 2.1 JSON files against the OASIS STIX 2.1
# JSON schemas of the shared interop folder, each object against the schema
# of its own type (see the interop folder's README).
#
# usage: validate-stix.sh CACHE_DIR INTEROP_DIR FILE...
#   CACHE_DIR    where ajv and ajv-formats are installed with npm when they
#                are not there yet (e.g. a folder of the build directory)
#   INTEROP_DIR  the shared interop folder (stix2.1/schemas, tools/)
# exit: 0 every file valid, 1 some file invalid, 2 usage,
#       77 the validator cannot run here (no node, no npm, no network)
set -u

if [ $# -lt 3 ]; then
    echo "usage: $0 CACHE_DIR INTEROP_DIR FILE..." >&2
    exit 2
fi
cache=$1
interop=$2
shift 2

script="$interop/tools/validate-stix.js"
schemas="$interop/stix2.1/schemas"
if [ ! -f "$script" ] || [ ! -d "$schemas" ]; then
    echo "skipped: interop folder not found ($interop)"
    exit 77
fi
if ! command -v node >/dev/null 2>&1; then
    echo "skipped: node not found"
    exit 77
fi

if [ ! -f "$cache/node_modules/ajv/package.json" ] ||
   [ ! -f "$cache/node_modules/ajv-formats/package.json" ]; then
    if ! command -v npm >/dev/null 2>&1; then
        echo "skipped: npm not found, cannot install ajv"
        exit 77
    fi
    mkdir -p "$cache" || exit 77
    (
        cd "$cache" || exit 1
        [ -f package.json ] || npm init -y >/dev/null 2>&1 || exit 1
        npm install --no-audit --no-fund --silent ajv ajv-formats >npm-install.log 2>&1
    ) || {
        echo "skipped: could not install ajv and ajv-formats (see $cache/npm-install.log)"
        exit 77
    }
fi

NODE_PATH="$cache/node_modules" node "$script" "$schemas" auto "$@"
status=$?
[ $status -eq 0 ] && exit 0
exit 1

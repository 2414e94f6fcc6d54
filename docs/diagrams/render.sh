#!/usr/bin/env bash
# Renders the diagrams of docs/diagrams/ from their Graphviz sources.
#
#   docs/diagrams/render.sh                  every NAME.dot to NAME.svg
#   docs/diagrams/render.sh write-path ...   only those (NAME or NAME.dot)
#
# Needs Graphviz's `dot` (Debian: apt-get install graphviz). Each SVG gets, right
# after its XML declaration, the SHA-256 of the bytes of the source it was
# rendered from:
#
#   <!-- source-sha256: 64 hex digits -->
#
# The docs check (ferrisdb-tools/tests/docs_check/diagrams.rs) recomputes that
# hash from the .dot and fails when they differ, so an SVG older than its source
# is caught without running `dot` (CI does not have it) and whatever Graphviz
# version rendered it; it also fails an SVG that does not end with </svg> or
# draws text its .dot does not hold (edited by hand). The same source and the
# same Graphviz give the same SVG.
set -euo pipefail

dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

if ! command -v dot >/dev/null 2>&1; then
    echo "render.sh: Graphviz's \`dot\` is not installed (apt-get install graphviz)" >&2
    exit 1
fi

sources=()
if [ "$#" -eq 0 ]; then
    shopt -s nullglob
    sources=("$dir"/*.dot)
    shopt -u nullglob
    if [ "${#sources[@]}" -eq 0 ]; then
        echo "render.sh: no .dot files in $dir" >&2
        exit 1
    fi
else
    for name in "$@"; do
        name="$(basename "$name" .dot)"
        name="$(basename "$name" .svg)"
        if [ ! -f "$dir/$name.dot" ]; then
            echo "render.sh: no diagram source $dir/$name.dot" >&2
            exit 1
        fi
        sources+=("$dir/$name.dot")
    done
fi

for source in "${sources[@]}"; do
    name="$(basename "$source" .dot)"
    target="$dir/$name.svg"
    hash="$(sha256sum "$source" | cut -d ' ' -f 1)"
    rendered="$(mktemp "$dir/.$name.svg.XXXXXX")"
    trap 'rm -f "$rendered"' EXIT
    dot -Tsvg "$source" >"$rendered"
    if ! head -n 1 "$rendered" | grep -q '^<?xml '; then
        echo "render.sh: dot's output for $name.dot does not start with an XML declaration" >&2
        exit 1
    fi
    {
        head -n 1 "$rendered"
        printf '<!-- source-sha256: %s -->\n' "$hash"
        tail -n +2 "$rendered"
    } >"$target"
    rm -f "$rendered"
    trap - EXIT
    echo "rendered docs/diagrams/$name.svg"
done

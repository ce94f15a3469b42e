#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# syntax-check.sh: grep the C sources for banned constructs (STYLE.md rule 4), like
# libvirt's build-aux/syntax-check.mk.  Run from the repository root; exits 1 and
# lists every offender as file:line: text, 0 when the tree is clean.
#
# A line may opt out of one rule with a comment naming it, e.g.
#     /* syntax-check: allow strcmp (qsort callback needs the ordering) */
# Use it rarely and say why.
set -u

if [ ! -f CMakeLists.txt ] || [ ! -d util ]; then
    echo "syntax-check: run me from the repository root" >&2
    exit 2
fi

# Every *.c and *.h outside build directories and .git.
mapfile -d '' files < <(find . \( -path ./.git -o -path './build*' -o -path '*/CMakeFiles' \) \
                             -prune -o -type f \( -name '*.c' -o -name '*.h' \) -print0 | sort -z)

failed=0

# check NAME REGEX MESSAGE: report lines matching REGEX (extended grep syntax).
check() {
    local name=$1 regex=$2 message=$3 hits

    [ "${#files[@]}" -gt 0 ] || return 0
    hits=$(grep -HnE -- "$regex" "${files[@]}" | grep -vE "syntax-check: allow $name\b")
    if [ -n "$hits" ]; then
        printf '%s\n' "$hits" | sed "s|^\./||; s|\$|    <- $message|"
        failed=1
    fi
}

check system '\bsystem[[:space:]]*\(' 'system(): run tools through util/command.h'
check popen '\bpopen[[:space:]]*\(' 'popen(): run tools through util/command.h'
check bin-sh '"/bin/sh"' 'no shell: build an argv for util/command.h'
check strncpy 'strncpy' 'strncpy: use g_strlcpy or g_strndup'
check strcmp '\bstrcmp[[:space:]]*\(' 'raw strcmp: use g_str_equal or g_strcmp0'
check sprintf 'sprintf[[:space:]]*\(' 'sprintf: use g_strdup_printf or g_snprintf'

# The first line of every file is the SPDX licence tag.
for f in "${files[@]}"; do
    first=$(head -n 1 -- "$f")
    case $first in
        *SPDX-License-Identifier:*) ;;
        *)
            echo "${f#./}:1: $first    <- missing SPDX-License-Identifier on the first line"
            failed=1
            ;;
    esac
done

if [ "$failed" -ne 0 ]; then
    echo "syntax-check: FAILED (see STYLE.md)" >&2
    exit 1
fi
echo "syntax-check: ${#files[@]} files OK"

#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# guest-main.sh: runs inside the test VM (see run-vm.sh): every tests/vm/vmtest_*.py module,
# one after the other, each with its own time limit, then one summary line.
# Environment (from run-vm.sh's VM_ENV): PROVCTL, PROV_SOURCE_DIR, optional VM_TESTS
# (space-separated module names to run instead of all).
set -u
src=${PROV_SOURCE_DIR:?}
cd "$src"
modules=${VM_TESTS:-$(cd tests/vm && ls vmtest_*.py 2>/dev/null | sed 's/\.py$//')}
passed=0
failed=0
skipped=0
failed_names=()
for m in $modules; do
    echo "=== $m"
    start=$(date +%s)
    timeout -k 10 "${VM_MODULE_TIMEOUT:-360}" /usr/bin/python3 "tests/vm/$m.py" -v 2>&1
    rc=$?
    echo "=== $m: exit $rc after $(( $(date +%s) - start )) s"
    case $rc in
        0) passed=$((passed + 1)) ;;
        77) skipped=$((skipped + 1)) ;;
        *) failed=$((failed + 1)); failed_names+=("$m") ;;
    esac
done
echo "vm: $passed passed, $failed failed, $skipped skipped${failed_names:+ (failed: ${failed_names[*]})}"
[ "$failed" -eq 0 ]

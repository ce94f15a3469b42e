#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# run-tests.sh: set-up command 2 of the README: install, build, run the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/syntax-check.sh
bash scripts/build.sh
cd "${BUILD_DIR:-build}"
ctest --output-on-failure -j2 "$@"

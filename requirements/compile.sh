#!/usr/bin/env bash
# Regenerate the pinned requirements (*.txt) from their sources (*.in).
#
#   requirements/compile.sh              # keep current pins where still valid
#   requirements/compile.sh --upgrade    # move every pin to the newest release
#   requirements/compile.sh -P sphinx    # upgrade one package (uv's option)
#
# Each lock is "universal": one file that installs on every Python the
# package supports (3.10 to 3.13), with environment markers on the lines that
# differ between them (say, exceptiongroup and tomli on 3.10 only). It is
# fully pinned, so pip never backtracks: installation resolves at once.
# Uses uv (https://docs.astral.sh/uv/): from PATH, or else installed into
# .venv-tools/ on first use.
set -euo pipefail
cd "$(dirname "$0")/.."

if command -v uv >/dev/null 2>&1; then
    UV=uv
else
    if [ ! -x .venv-tools/bin/uv ]; then
        python3 -m venv .venv-tools
        .venv-tools/bin/python -m pip install -q 'uv>=0.5'
    fi
    UV=.venv-tools/bin/uv
fi

compile() {
    local out=$1
    shift
    "$UV" pip compile --quiet --universal --python-version 3.10 \
        --custom-compile-command "requirements/compile.sh" \
        --output-file "requirements/$out" "$@"
}

# The package's own dependencies and extras are part of each lock that
# installs next to it, so one "pip install -e .[async,dotenv] -r <lock>" is
# fully pinned.
compile tests.txt pyproject.toml --extra async --extra dotenv \
    requirements/tests.in "$@"
compile docs.txt pyproject.toml --extra async --extra dotenv \
    requirements/docs.in -c requirements/tests.txt "$@"
compile deploy.txt requirements/deploy.in -c requirements/tests.txt "$@"
compile asgi.txt requirements/asgi.in -c requirements/tests.txt "$@"
compile typing.txt pyproject.toml --extra async --extra dotenv \
    requirements/typing.in -c requirements/tests.txt "$@"
compile style.txt requirements/style.in "$@"

# The extensions of tests/compat/ depend on "flask": resolve them against this
# checkout (".") with the test lock as constraints, then leave out flask and
# everything tests.txt already installs, so compat.txt holds only what the
# compat environment adds.
no_emit=(--no-emit-package flask)
while read -r name; do
    no_emit+=(--no-emit-package "$name")
done < <(sed -n 's/^\([A-Za-z0-9._-]*\)==.*/\1/p' requirements/tests.txt)
with_project=requirements/.compat-with-project.in
trap 'rm -f "$with_project"' EXIT
printf '.\n-r compat.in\n' > "$with_project"
compile compat.txt "$with_project" -c requirements/tests.txt \
    "${no_emit[@]}" "$@"
compile compat-plugins.txt requirements/compat-plugins.in --no-deps "$@"

#!/usr/bin/env bash
# Downloads old releases of popular PyPI packages (wheels only, no dependencies) and unpacks them into a
# site-packages directory, as `pip install --target` lays them out. Prints the directory; cached.
set -euo pipefail
CACHE=${HYDRA_FIXTURE_CACHE:-$HOME/.cache/hydra}/pypi-fixture
SITE=$CACHE/site-packages
PACKAGES=(requests==2.19.0 urllib3==1.24.1 Jinja2==2.10 Django==2.2 Werkzeug==0.15.2 Flask==0.12.2 idna==2.7 certifi==2018.4.16 PyJWT==1.5.0 Pillow==9.2.0)
if [ -f "$SITE/.complete" ]; then echo "$SITE"; exit 0; fi
PYTHON=python3
mkdir -p "$CACHE/wheels"
"$PYTHON" -m pip download --quiet --disable-pip-version-check --no-deps --only-binary :all: \
    --python-version 3.11 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 --platform any \
    -d "$CACHE/wheels" "${PACKAGES[@]}"
rm -rf "$SITE.tmp"
mkdir -p "$SITE.tmp"
"$PYTHON" - "$CACHE/wheels" "$SITE.tmp" <<'PY'
import os, sys, zipfile
wheels, target = sys.argv[1], sys.argv[2]
for name in sorted(os.listdir(wheels)):
    if name.endswith(".whl"):
        zipfile.ZipFile(os.path.join(wheels, name)).extractall(target)
PY
touch "$SITE.tmp/.complete"
rm -rf "$SITE"
mv "$SITE.tmp" "$SITE"
echo "$SITE"

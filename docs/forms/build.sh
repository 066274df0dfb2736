#!/usr/bin/env bash
# Regenerates the XForms (*.xml) from their XLSForm sources (*.md: pyxform's Markdown
# table form of the spreadsheet, one table per sheet) with pyxform, as ODK users convert
# their spreadsheets. Usage: docs/forms/build.sh [output folder, default: this folder].
# The XML is compared with pyxform's output by tests/api/intake_devices.rs; another
# pyxform version may lay it out differently, hence the pin (also in .ci/run).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$here}"
pyxform_version=4.5.0

have=$(python3 -c 'import importlib.metadata as m; print(m.version("pyxform"))' 2>/dev/null || echo none)
if [[ "$have" != "$pyxform_version" ]]; then
    echo "build.sh: needs pyxform $pyxform_version (found: $have): pip install pyxform==$pyxform_version" >&2
    exit 1
fi
mkdir -p "$out"
for form in testimony-intake incident-report; do
    # ODK Validate (Java) is not run: the forms use nothing beyond what pyxform checks.
    if ! log=$(python3 -m pyxform.xls2xform --skip_validate --pretty_print "$here/$form.md" "$out/$form.xml" 2>&1); then
        echo "$log" >&2
        exit 1
    fi
done

#!/usr/bin/env bash
# Make sure the Debian (bookworm) packages the test suite needs are present; install only
# what is missing. As root apt-get runs directly, otherwise through sudo when available.
#
#   chromium        the browser Playwright drives (/usr/bin/chromium)
#   postgresql-15   server binaries for the second run of the suite (off PATH)
#   hledger         reads the fund journals edupact exports (interoperability test)
#   poppler-utils   pdftotext/pdftoppm, to read back the PDFs edupact renders
#   fonts-noto-core fonts for PDFs and Persian text (optional: a warning if it cannot be had)
set -euo pipefail

missing=()
[[ -x /usr/bin/chromium ]] || missing+=(chromium)
command -v hledger >/dev/null 2>&1 || missing+=(hledger)
command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
if ! dpkg -L postgresql-15 2>/dev/null | grep -q '/bin/initdb$' \
    && [[ ! -x /usr/lib/postgresql/15/bin/initdb ]]; then
    missing+=(postgresql-15)
fi
optional=()
if ! dpkg -s fonts-noto-core >/dev/null 2>&1; then
    optional+=(fonts-noto-core)
fi

if [[ ${#missing[@]} -eq 0 && ${#optional[@]} -eq 0 ]]; then
    exit 0
fi

if [[ $(id -u) -eq 0 ]]; then
    apt=(apt-get)
elif command -v sudo >/dev/null 2>&1; then
    apt=(sudo apt-get)
else
    if [[ ${#missing[@]} -gt 0 ]]; then
        echo "Missing system packages: ${missing[*]} (no root and no sudo to install them)" >&2
        exit 1
    fi
    echo "warning: optional packages not installed: ${optional[*]}" >&2
    exit 0
fi

export DEBIAN_FRONTEND=noninteractive
echo "Installing system packages: ${missing[*]} ${optional[*]}" >&2
"${apt[@]}" update -qq
if [[ ${#missing[@]} -gt 0 ]]; then
    # Without recommends: no postgresql-contrib, no desktop extras for chromium.
    "${apt[@]}" install -y -qq --no-install-recommends "${missing[@]}"
fi
if [[ ${#optional[@]} -gt 0 ]]; then
    "${apt[@]}" install -y -qq --no-install-recommends "${optional[@]}" \
        || echo "warning: could not install ${optional[*]}; PDFs fall back to bundled fonts" >&2
fi

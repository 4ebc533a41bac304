#!/usr/bin/env bash
# Set up everything Bangzhen needs on Debian/Ubuntu (as root or with sudo), then run it:
#   ./dev.sh run [--db FILE]   start the program (a demo database is created on first start)
#   ./dev.sh test [PYTEST ARGS] run the whole test suite (offscreen Qt, LibreOffice for the xlsx
#                               check); fails if no test ran
#   ./dev.sh setup             only set up
# Idempotent: system packages are installed only when missing, the virtualenv (.venv) only
# re-installed when pyproject.toml changes.
set -euo pipefail
cd "$(dirname "$0")"

# Qt's runtime libraries (offscreen and X11), poppler's pdftotext for the tests, a CJK font for
# system dialogs. "a|b": the first name is Ubuntu 24.04's, the second Debian 12's.
SYSTEM_PACKAGES=(
  ca-certificates libglib2.0-0t64\|libglib2.0-0 libdbus-1-3 libx11-6 libxkbcommon0 libfontconfig1
  libfreetype6 libgl1 libegl1 libx11-xcb1 libxcb1 libxcb-cursor0 libxcb-icccm4 libxcb-image0
  libxcb-keysyms1 libxcb-randr0 libxcb-render0 libxcb-render-util0 libxcb-shape0 libxcb-shm0
  libxcb-sync1 libxcb-util1 libxcb-xfixes0 libxcb-xkb1 libxcb-glx0 libxkbcommon-x11-0
  poppler-utils fonts-wqy-microhei
)
# Only for the tests: LibreOffice opens the exported xlsx the way another spreadsheet program would.
TEST_PACKAGES=(libreoffice-calc-nogui)
VENV=.venv

say() { printf '\033[1m[bangzhen]\033[0m %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    say "需要 root 权限安装系统软件包，请用 root 运行或安装 sudo：$*"; exit 1; fi
}

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
available() { apt-cache show "$1" >/dev/null 2>&1; }

apt_updated=""
apt_install() {
  [ -n "$apt_updated" ] || { as_root apt-get update -qq; apt_updated=1; }
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

find_python() {
  for candidate in python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null &&
       "$candidate" -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  return 1
}

setup_system() {
  if ! command -v dpkg-query >/dev/null; then
    say "不是 Debian/Ubuntu 系统：请自行安装 Python ≥ 3.11 与 Qt 6 运行库。"; return 0
  fi
  local missing=() entry name choice
  for entry in "${SYSTEM_PACKAGES[@]}" "$@"; do
    choice=""
    for name in ${entry//|/ }; do installed "$name" && { choice=ok; break; }; done
    [ -n "$choice" ] && continue
    [ -n "$apt_updated" ] || { as_root apt-get update -qq; apt_updated=1; }
    for name in ${entry//|/ }; do available "$name" && { missing+=("$name"); break; }; done
  done
  if ! find_python >/dev/null; then
    [ -n "$apt_updated" ] || { as_root apt-get update -qq; apt_updated=1; }
    if available python3.11-venv && ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      missing+=(python3.11 python3.11-venv)
    else
      missing+=(python3 python3-venv)
    fi
  fi
  if [ ${#missing[@]} -gt 0 ]; then
    say "安装系统软件包：${missing[*]}"
    apt_install "${missing[@]}"
  fi
}

setup_venv() {
  local python stamp want
  python=$(find_python) || { say "找不到 Python ≥ 3.11"; exit 1; }
  stamp="$VENV/.installed"
  want="$(sha256sum pyproject.toml | cut -d' ' -f1) $($python -c 'import sys; print(sys.version.split()[0])')"
  if [ ! -x "$VENV/bin/python" ]; then
    say "创建虚拟环境 $VENV（$python）"
    "$python" -m venv "$VENV"
  fi
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    say "安装 Python 依赖"
    "$VENV/bin/python" -m pip install -q --upgrade pip
    "$VENV/bin/python" -m pip install -q -e ".[test]"
    echo "$want" > "$stamp"
  fi
}

setup() { setup_system; setup_venv; }

run_tests() {
  local report
  report=$(mktemp)
  export QT_QPA_PLATFORM=offscreen
  XDG_RUNTIME_DIR=$(mktemp -d); export XDG_RUNTIME_DIR
  trap 'rm -rf "$XDG_RUNTIME_DIR"' EXIT
  set +e
  "$VENV/bin/python" -m pytest --junitxml="$report" "$@"
  local status=$?
  set -e
  # A run in which nothing was executed is a failure, whatever pytest says.
  "$VENV/bin/python" - "$report" <<'PY' || { [ "$status" -ne 0 ] || status=1; }
import sys, xml.etree.ElementTree as ET
suites = ET.parse(sys.argv[1]).getroot()
suites = [suites] if suites.tag == "testsuite" else list(suites)
ran = sum(int(s.get("tests", 0)) - int(s.get("skipped", 0)) for s in suites)
print(f"[bangzhen] tests executed: {ran}", file=sys.stderr)
sys.exit(0 if ran > 0 else 1)
PY
  rm -f "$report"
  return "$status"
}

command=${1:-run}
[ $# -gt 0 ] && shift
case "$command" in
  setup) setup ;;
  run) setup; exec "$VENV/bin/python" -m app "$@" ;;
  test) setup_system "${TEST_PACKAGES[@]}"; setup_venv; run_tests "$@" ;;
  *) echo "用法：./dev.sh run|test|setup" >&2; exit 2 ;;
esac

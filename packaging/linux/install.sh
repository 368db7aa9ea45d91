#!/bin/sh
# Install the Sitebook bundle for one user (default ~/.local) or system-wide.
#
#   ./linux/install.sh                      # from the unpacked release tarball
#   packaging/linux/install.sh dist/sitebook  # from a source tree after `make package`
#   sudo ./linux/install.sh --prefix /usr/local
#   ./linux/install.sh --uninstall
#
# Copies the bundle to PREFIX/lib/sitebook, links PREFIX/bin/sitebook and
# sitebook-desktop, and installs the menu entry, icons, AppStream metadata and
# the .sitebook file type, then refreshes the desktop caches when the tools exist.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
prefix="${HOME}/.local"
uninstall=0
bundle=""
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix="$2"; shift 2 ;;
    --uninstall) uninstall=1; shift ;;
    -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) bundle="$1"; shift ;;
  esac
done
if [ -z "$bundle" ]; then
  for candidate in "$here/../sitebook" "$here/../../dist/sitebook"; do
    if [ -x "$candidate/sitebook-desktop" ]; then bundle="$candidate"; break; fi
  done
fi
icons="$here/../icons"
share="$prefix/share"

refresh() {
  command -v update-mime-database >/dev/null && update-mime-database "$share/mime" || true
  command -v update-desktop-database >/dev/null && update-desktop-database "$share/applications" || true
  command -v gtk-update-icon-cache >/dev/null \
    && gtk-update-icon-cache -q -t "$share/icons/hicolor" 2>/dev/null || true
}

if [ "$uninstall" = 1 ]; then
  rm -rf "$prefix/lib/sitebook"
  rm -f "$prefix/bin/sitebook" "$prefix/bin/sitebook-desktop" \
    "$share/applications/sitebook.desktop" \
    "$share/metainfo/org.sitebook.Sitebook.metainfo.xml" \
    "$share/mime/packages/sitebook-mime.xml"
  for size in 16 24 32 48 64 128 256 512; do
    rm -f "$share/icons/hicolor/${size}x${size}/apps/sitebook.png"
  done
  refresh
  echo "Sitebook removed from $prefix (your vaults and settings are untouched)."
  exit 0
fi

if [ -z "$bundle" ] || [ ! -x "$bundle/sitebook-desktop" ]; then
  echo "install.sh: no bundle found; pass its folder (dist/sitebook after make package)" >&2
  exit 1
fi

mkdir -p "$prefix/lib" "$prefix/bin" "$share/applications" "$share/metainfo" "$share/mime/packages"
rm -rf "$prefix/lib/sitebook.new"
cp -a "$bundle" "$prefix/lib/sitebook.new"
rm -rf "$prefix/lib/sitebook"
mv "$prefix/lib/sitebook.new" "$prefix/lib/sitebook"
ln -sf "$prefix/lib/sitebook/sitebook" "$prefix/bin/sitebook"
ln -sf "$prefix/lib/sitebook/sitebook-desktop" "$prefix/bin/sitebook-desktop"
sed "s|^Exec=sitebook-desktop|Exec=$prefix/bin/sitebook-desktop|; s|^TryExec=sitebook-desktop|TryExec=$prefix/bin/sitebook-desktop|" \
  "$here/sitebook.desktop" > "$share/applications/sitebook.desktop"
cp "$here/org.sitebook.Sitebook.metainfo.xml" "$share/metainfo/"
cp "$here/sitebook-mime.xml" "$share/mime/packages/"
for size in 16 24 32 48 64 128 256 512; do
  mkdir -p "$share/icons/hicolor/${size}x${size}/apps"
  cp "$icons/sitebook-$size.png" "$share/icons/hicolor/${size}x${size}/apps/sitebook.png"
done
refresh
echo "Sitebook installed in $prefix (run sitebook-desktop, or find Sitebook in the menu)."

#!/usr/bin/env bash
# Draws the application icon (a dark-blue shield with a white "R") and writes the sizes Tauri
# bundles into icons/. The PNGs are committed; run this again only to change the design.
# Needs ImageMagick 6 (`convert`) and the DejaVu fonts (both installed by scripts/setup.sh).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

font=/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf
[ -f "$font" ] || font=DejaVu-Sans-Bold
out=icons
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# 1024 px master, scaled down for every size (smooth edges). Tauri needs RGBA PNGs: PNG32.
convert -size 1024x1024 xc:none \
  -fill '#c8a54a' -draw "path 'M 512,40 L 928,176 L 928,512 C 928,760 736,928 512,1000 C 288,928 96,760 96,512 L 96,176 Z'" \
  -fill '#17325f' -draw "path 'M 512,92 L 880,212 L 880,512 C 880,730 712,880 512,948 C 312,880 144,730 144,512 L 144,212 Z'" \
  -font "$font" -pointsize 600 -fill white -gravity center -annotate +0+10 'R' \
  "PNG32:$tmp/master.png"

for spec in 32x32:32x32.png 128x128:128x128.png 256x256:128x128@2x.png 512x512:icon.png; do
  size=${spec%%:*}
  name=${spec#*:}
  convert "$tmp/master.png" -resize "$size" -strip "PNG32:$out/$name"
done
convert "$tmp/master.png" -strip -define icon:auto-resize=256,128,64,48,32,16 "$out/icon.ico"
ls -l "$out"

#!/usr/bin/env bash
# Sets up everything rascore needs to build, run and test on Debian 12, then builds bin/rascore.
# Idempotent: a second run only checks and takes seconds.
#
#   - Debian packages: the C/C++ toolchain and GDCM (compressed DICOM pixel data, via cgo);
#     DCMTK and GDCM's tools, the independent reference decoders the tests compare against;
#     Orthanc with its DICOMweb plugin and PostgreSQL, which the server's tests start on
#     loopback (never as system services); Chromium, headless, for the reader UI's
#     end-to-end tests.
#   - ONNX Runtime 1.30.0: the shared library from the onnxruntime-node npm package, into lib/.
#   - bin/rascore.
set -euo pipefail
cd "$(dirname "$0")/.."

ORT_VERSION=1.30.0
ORT_SHA256=ffb75a925ba05e47b235bb66e3e3911714a80b328a9c9425539feb204aa32a23
DEB_PACKAGES=(build-essential pkg-config libgdcm-dev libgdcm-tools dcmtk nodejs npm
	orthanc orthanc-dicomweb postgresql chromium)

say() { printf 'setup: %s\n' "$*" >&2; }

PATH="$PATH:/usr/local/go/bin"
if ! command -v go >/dev/null; then
	say "Go 1.26 or newer is needed (https://go.dev/dl, unpacked into /usr/local/go)"
	exit 1
fi

missing=()
for p in "${DEB_PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing+=("$p")
done
# Node.js and npm may come from elsewhere than Debian; their presence is what matters.
if command -v npm >/dev/null; then
	filtered=()
	for p in "${missing[@]}"; do
		[[ $p == nodejs || $p == npm ]] || filtered+=("$p")
	done
	missing=("${filtered[@]+"${filtered[@]}"}")
fi
if ((${#missing[@]})); then
	say "installing Debian packages: ${missing[*]}"
	SUDO=""
	[[ $(id -u) -eq 0 ]] || SUDO=sudo
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
		"${missing[@]}" >/dev/null
fi

lib=lib/libonnxruntime.so.1
if [[ ! -f $lib ]] || ! echo "$ORT_SHA256  $lib" | sha256sum -c --status; then
	say "fetching ONNX Runtime $ORT_VERSION from the onnxruntime-node npm package"
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	(cd "$tmp" && npm pack --silent "onnxruntime-node@$ORT_VERSION" >/dev/null)
	tar xzf "$tmp"/onnxruntime-node-"$ORT_VERSION".tgz -C "$tmp" \
		package/bin/napi-v6/linux/x64/libonnxruntime.so.1
	mkdir -p lib
	install -m 0644 "$tmp"/package/bin/napi-v6/linux/x64/libonnxruntime.so.1 "$lib"
	echo "$ORT_SHA256  $lib" | sha256sum -c --status ||
		{ say "checksum of $lib does not match"; exit 1; }
fi

say "building bin/rascore"
version=$(git describe --tags --dirty 2>/dev/null || echo 0.1.0-dev)
commit=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
go build -trimpath -ldflags "-X main.version=$version -X main.commitID=$commit" \
	-o bin/rascore ./cmd/rascore

#!/bin/sh
# Makes the base images the Dockerfile names, when Docker does not have them and
# cannot pull them (a machine without Docker Hub): debian:bookworm-slim from
# debootstrap, and a golang:1.26-bookworm stand-in with this machine's Go
# toolchain, gcc and this machine's own CA certificates (those it added in
# /usr/local/share/ca-certificates, such as a proxy's, so the build reaches the
# Go module proxy as this machine does). An image that is there already is left as is,
# so on a machine that reaches Docker Hub, `docker pull` them first to build on the
# real ones.
set -eu
DOCKER=${DOCKER:-docker}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
have() { "$DOCKER" image inspect "$1" >/dev/null 2>&1; }

work=$(mktemp -d "${TMPDIR:-/var/tmp}/wagate-base.XXXXXX")
trap 'rm -rf "$work"' EXIT

if have debian:bookworm-slim; then
	echo "debian:bookworm-slim: present"
else
	command -v debootstrap >/dev/null || { echo "debootstrap is needed to make debian:bookworm-slim (apt-get install debootstrap)" >&2; exit 1; }
	echo "debian:bookworm-slim: making it with debootstrap from $MIRROR"
	debootstrap --variant=minbase bookworm "$work/rootfs" "$MIRROR" >"$work/debootstrap.log" 2>&1 ||
		{ tail -20 "$work/debootstrap.log" >&2; exit 1; }
	rm -rf "$work/rootfs/var/cache/apt/archives/"*.deb "$work/rootfs/var/lib/apt/lists/"*
	tar -C "$work/rootfs" -c . | "$DOCKER" import --change 'CMD ["bash"]' - debian:bookworm-slim
	rm -rf "$work/rootfs"
fi

if have golang:1.26-bookworm; then
	echo "golang:1.26-bookworm: present"
else
	goroot=$(go env GOROOT)
	case $(go env GOVERSION) in
	go1.26*) ;;
	*) echo "golang:1.26-bookworm: this machine's Go is $(go env GOVERSION), not 1.26" >&2; exit 1 ;;
	esac
	echo "golang:1.26-bookworm: making a stand-in with $(go env GOVERSION) from $goroot"
	mkdir -p "$work/ctx/ca"
	cp -a "$goroot" "$work/ctx/go"
	for crt in /usr/local/share/ca-certificates/*.crt; do
		[ -e "$crt" ] && cp "$crt" "$work/ctx/ca/"
	done
	cat >"$work/ctx/Dockerfile" <<'DOCKERFILE'
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates gcc libc6-dev git make pkg-config \
 && rm -rf /var/lib/apt/lists/*
COPY ca/ /usr/local/share/ca-certificates/
RUN update-ca-certificates
COPY go /usr/local/go
ENV GOLANG_VERSION=1.26 GOTOOLCHAIN=local GOPATH=/go PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
WORKDIR /go
DOCKERFILE
	"$DOCKER" build --network host -t golang:1.26-bookworm "$work/ctx"
fi

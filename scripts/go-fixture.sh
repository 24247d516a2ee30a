#!/usr/bin/env bash
# Builds the scanner's Go fixture: a binary made with Debian's Go 1.19 that links old golang.org/x modules
# (Debian's packaged sources, vendored under the versions Debian packages: x/net 0.7.0, x/text 0.7.0,
# x/crypto 0.4.0, x/sys 0.3.0). Offline: nothing is downloaded. Prints the binary's path; cached.
set -euo pipefail
GO=${GO_1_19:-/usr/lib/go-1.19/bin/go}
SRC=/usr/share/gocode/src/golang.org/x
CACHE=${HYDRA_FIXTURE_CACHE:-$HOME/.cache/hydra}/go-fixture
BINARY=$CACHE/bin/oldmods
if [ -x "$BINARY" ]; then echo "$BINARY"; exit 0; fi
[ -x "$GO" ] || { echo "go-fixture: $GO missing (apt-get install golang-1.19-go)" >&2; exit 1; }
for module in net text crypto sys; do
    [ -d "$SRC/$module" ] || { echo "go-fixture: $SRC/$module missing (golang-golang-x-$module-dev)" >&2; exit 1; }
done
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
cat > go.mod <<'MOD'
module example.com/oldmods

go 1.19

require (
	golang.org/x/crypto v0.4.0
	golang.org/x/net v0.7.0
	golang.org/x/sys v0.3.0
	golang.org/x/text v0.7.0
)
MOD
cat > main.go <<'GO'
package main

import (
	"fmt"
	"strings"

	"golang.org/x/crypto/ssh"
	"golang.org/x/net/html"
	"golang.org/x/text/language"
)

func main() {
	doc, _ := html.Parse(strings.NewReader("<p>hello</p>"))
	tag, _ := language.Parse("en-GB")
	fmt.Println(doc.Type, tag, ssh.CertAlgoRSAv01)
}
GO
declare -A VERSIONS=([crypto]=v0.4.0 [net]=v0.7.0 [sys]=v0.3.0 [text]=v0.7.0)
: > vendor.txt
for module in crypto net sys text; do
    mkdir -p vendor/golang.org/x
    cp -rL "$SRC/$module" "vendor/golang.org/x/$module"
    echo "# golang.org/x/$module ${VERSIONS[$module]}" >> vendor.txt
    echo "## explicit; go 1.17" >> vendor.txt
    (cd vendor && find "golang.org/x/$module" -name '*.go' ! -name '*_test.go' -not -path '*/testdata/*' -printf '%h\n' | sort -u) >> vendor.txt
done
mv vendor.txt vendor/modules.txt
mkdir -p "$CACHE/bin"
GOFLAGS=-mod=vendor GOPROXY=off GOTOOLCHAIN=local CGO_ENABLED=0 GOCACHE="$WORK/cache" "$GO" build -trimpath -o "$BINARY.tmp" .
mv "$BINARY.tmp" "$BINARY"
echo "$BINARY"

package main

import (
	"bytes"
	"os"
	"testing"
)

// TestSpecIsFresh: the committed openapi.json is what the generator makes of the
// matrix, WAHA's spec and the overlay.
func TestSpecIsFresh(t *testing.T) {
	want, err := generate(".")
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("../openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("server/apidocs/openapi.json is stale: run go generate ./server/apidocs")
	}
}

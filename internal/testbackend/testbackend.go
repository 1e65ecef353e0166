package testbackend

import (
	"sync"
	"testing"

	"github.com/gomlx/compute"

	"github.com/tfvision/tfvision/backend"
)

var shared = sync.OnceValues(func() (compute.Backend, error) { return backend.Open("go", backend.Options{}) })

// Go returns the shared pure-Go backend, failing t if it cannot be opened.
func Go(t testing.TB) compute.Backend {
	t.Helper()
	b, err := shared()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

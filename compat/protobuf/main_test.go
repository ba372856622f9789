package protobuf

import (
	"os"
	"testing"

	"github.com/heraldhq/herald/compat/compattest"
)

// TestMain notes, after the tests, the published data sets that were absent.
func TestMain(m *testing.M) { os.Exit(compattest.Main(m, os.Stderr)) }

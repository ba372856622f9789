package servelog_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/heraldhq/herald/internal/servelog"
)

func TestReadFromFindsTheAddressAndKeepsEveryLine(t *testing.T) {
	t.Parallel()
	l := servelog.New(0)
	in := "level=INFO msg=\"opening\"\nlevel=INFO msg=\"herald listening\" addr=127.0.0.1:4321\n" +
		"level=INFO msg=\"herald listening\" addr=127.0.0.1:9\nunfinished"
	if _, err := l.ReadFrom(strings.NewReader(in)); err != nil {
		t.Fatal(err)
	}
	if addr, ok := <-l.Addr(); !ok || addr != "127.0.0.1:4321" {
		t.Errorf("Addr() = %q, %v; want the first listening address", addr, ok)
	}
	if _, ok := <-l.Addr(); ok {
		t.Error("Addr() delivered a second address")
	}
	if got := l.String(); got != in[:strings.LastIndex(in, "\n")]+"\nunfinished" {
		t.Errorf("String() = %q", got)
	}
}

func TestAddrClosesWhenTheProcessNeverListens(t *testing.T) {
	t.Parallel()
	l := servelog.New(0)
	if _, err := l.ReadFrom(strings.NewReader("level=ERROR msg=\"open: no such file\"\n")); err != nil {
		t.Fatal(err)
	}
	if addr, ok := <-l.Addr(); ok {
		t.Errorf("Addr() = %q, want it closed empty", addr)
	}
}

func TestKeepBoundsTheLines(t *testing.T) {
	t.Parallel()
	l := servelog.New(3)
	for i := range 100 {
		if _, err := fmt.Fprintf(l, "line %d\n", i); err != nil {
			t.Fatal(err)
		}
	}
	got := strings.Split(strings.TrimSpace(l.String()), "\n")
	if len(got) > 6 || got[len(got)-1] != "line 99" {
		t.Errorf("kept %d lines ending %q; want at most 2×3, the last ones", len(got), got[len(got)-1])
	}
}

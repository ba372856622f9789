package enum_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/heraldhq/herald/internal/enum"
)

type color int

const (
	red color = iota
	green
	blue
)

var errUnknown = errors.New("unknown color")

var exact = enum.Text[color]{
	Type:    "color",
	Names:   []string{red: "red", green: "green", blue: "blue"},
	Empty:   enum.Zero[color](),
	Unknown: func(s string) error { return errors.Join(errUnknown, errors.New(s)) },
}

func TestTextString(t *testing.T) {
	t.Parallel()
	for v, want := range map[color]string{red: "red", blue: "blue", -1: "color(-1)", 3: "color(3)"} {
		if got := exact.String(v); got != want {
			t.Errorf("String(%d) = %q, want %q", int(v), got, want)
		}
	}
	if b, err := exact.Marshal(green); err != nil || string(b) != "green" {
		t.Errorf("Marshal(green) = %q, %v", b, err)
	}
}

func TestTextParse(t *testing.T) {
	t.Parallel()
	upper := exact
	upper.Names = []string{"RED", "GREEN", "BLUE"}
	upper.Empty = nil
	upper.Fold = strings.ToUpper
	noName := exact
	noName.Names = []string{green: "green", blue: "blue"}
	noName.Empty = nil
	for _, tc := range []struct {
		name    string
		text    enum.Text[color]
		in      string
		want    color
		wantErr bool
	}{
		{"Name", exact, "blue", blue, false},
		{"EmptyIsTheGivenValue", exact, "", red, false},
		{"CaseMatters", exact, "Blue", 0, true},
		{"Unknown", exact, "mauve", 0, true},
		{"Folded", upper, "gReEn", green, false},
		{"EmptyRefusedWithoutEmpty", upper, "", 0, true},
		{"EmptyNameMatchesEmpty", noName, "", red, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.text.Parse(tc.in)
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Fatalf("Parse(%q) = %d, %v; want %d, error %v", tc.in, int(got), err, int(tc.want), tc.wantErr)
			}
			if err != nil && (!errors.Is(err, errUnknown) || !strings.Contains(err.Error(), tc.in)) {
				t.Errorf("error %v does not come from Unknown with the text as given", err)
			}
		})
	}
}

func TestTextUnmarshalKeepsValueOnError(t *testing.T) {
	t.Parallel()
	v := blue
	if err := exact.Unmarshal(&v, []byte("mauve")); err == nil || v != blue {
		t.Fatalf("Unmarshal(mauve) = %v, value %d; want an error and blue kept", err, int(v))
	}
	if err := exact.Unmarshal(&v, []byte("green")); err != nil || v != green {
		t.Fatalf("Unmarshal(green) = %v, value %d", err, int(v))
	}
}

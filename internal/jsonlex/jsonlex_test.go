package jsonlex_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/heraldhq/herald/internal/jsonlex"
)

func TestSpace(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]int{"": 0, "x": 0, " \t\r\nx": 4, "   ": 3, "\v": 0} {
		if got := jsonlex.Space([]byte(in), 0); got != want {
			t.Errorf("Space(%q) = %d, want %d", in, got, want)
		}
	}
	if got := jsonlex.Space([]byte("a  b"), 1); got != 3 {
		t.Errorf("Space from 1 = %d, want 3", got)
	}
}

// TestNumber maps each input to the end of the number at its start, or to -1
// when none starts there.
func TestNumber(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]int{
		"0": 1, "-0": 2, "12,": 2, "1.5e+10]": 7, "-3.25E-2": 8, "1e5": 3,
		"01": 1, // the number is 0; the caller sees the 1 that follows
		"-":  -1, "": -1, "+1": -1, ".5": -1, "1.": -1, "1.e3": -1, "1e": -1, "1e+": -1,
	} {
		end, ok := jsonlex.Number([]byte(in), 0)
		if !ok {
			end = -1
		}
		if end != want {
			t.Errorf("Number(%q) = %d, %v; want end %d", in, end, ok, want)
		}
	}
}

// FuzzNumber holds Number to encoding/json: a whole input is one number
// exactly when json.Valid accepts it as a number.
func FuzzNumber(f *testing.F) {
	for _, s := range []string{"0", "-1.5e3", "01", "1.", "-", "2E+7"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		end, ok := jsonlex.Number([]byte(s), 0)
		whole := ok && end == len(s)
		// A JSON number starts with '-' or a digit and ends with a digit;
		// json.Valid also allows white space around a value.
		isNum := len(s) > 0 && json.Valid([]byte(s)) && (s[0] == '-' || isDigit(s[0])) && isDigit(s[len(s)-1])
		if whole != isNum {
			t.Errorf("Number(%q) = %d, %v; json.Valid says a number: %v", s, end, ok, isNum)
		}
	})
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// TestWriteContainer writes a nested document with sorted keys, leaving
// strings and numbers to the caller's writers (here upper-cased keys and
// quoted leaves, so that the test sees they were used).
func TestWriteContainer(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	var value func(any)
	value = func(v any) {
		if !jsonlex.WriteContainer(&b, v, func(k string) { b.WriteString(strings.ToUpper(k)) }, value) {
			fmt.Fprintf(&b, "<%v>", v)
		}
	}
	value(map[string]any{"b": []any{1, map[string]any{}}, "a": "x", "c": []any{}})
	if got, want := b.String(), "{A:<x>,B:[<1>,{}],C:[]}"; got != want {
		t.Errorf("wrote %s, want %s", got, want)
	}
	if jsonlex.WriteContainer(&b, "leaf", nil, nil) {
		t.Error("a string was taken for a container")
	}
}

// TestStrings marks, under each input, the bytes Strings takes for string
// bytes (s) and the others (.).
func TestStrings(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		`{"a":1}`:       `.sss...`,
		`["\"]",2]`:     `.sssss...`,
		`"\\" x "y"`:    `ssss...sss`,
		`[1, "", {}]`:   `....ss.....`,
		`"unterminated`: `sssssssssssss`,
	} {
		var s jsonlex.Strings
		var got strings.Builder
		for i := range len(in) {
			if s.Next(in[i]) {
				got.WriteByte('s')
			} else {
				got.WriteByte('.')
			}
		}
		if got.String() != want {
			t.Errorf("Strings over %s = %s, want %s", in, got.String(), want)
		}
	}
}

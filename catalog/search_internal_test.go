package catalog

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestAppendTerms(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, in string
		want     []string
	}{
		{"CamelCaseSplits", "OrderPlaced", []string{"order", "placed"}},
		{"SpacesSplit", "order placed", []string{"order", "placed"}},
		{"HyphensSplit", "order-placed", []string{"order", "placed"}},
		{"UnderscoresSplit", "order_placed", []string{"order", "placed"}},
		{"UpperCaseIsLowered", "ORDER PLACED", []string{"order", "placed"}},
		{"AcronymEndsBeforeItsLastCapital", "HTTPServer", []string{"http", "server"}},
		{"DottedPathSplits", "shippingAddress.city", []string{"shipping", "address", "city"}},
		{"DigitsStayWithLetters", "event35 v2", []string{"event35", "v2"}},
		{"CapitalAfterDigitSplits", "v2Api", []string{"v2", "api"}},
		{"NonASCIILettersAreLetters", "ÄrgerÜber straße", []string{"ärger", "über", "straße"}},
		{"PunctuationOnlyGivesNothing", " -_.:/ ", nil},
		{"InvalidUTF8Separates", "ab\xffcd", []string{"ab", "cd"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tc.want, appendTerms(nil, tc.in)); diff != "" {
				t.Fatalf("appendTerms(%q) (-want +got):\n%s", tc.in, diff)
			}
		})
	}
}

func TestEditDistance(t *testing.T) {
	t.Parallel()
	var sc editScratch
	for _, tc := range []struct {
		name, a, b string
		k, want    int
	}{
		{"EqualIsZero", "order", "order", 2, 0},
		{"DeletionIsOne", "ordr", "order", 1, 1},
		{"SwapIsOne", "odrer", "order", 1, 1},
		{"SubstitutionIsOne", "ordar", "order", 1, 1},
		{"TwoEditsPastBudgetOneIsKPlusOne", "paymnx", "payment", 1, 2},
		{"TwoEditsWithinBudgetTwo", "notifcaton", "notification", 2, 2},
		{"LengthGapPastBudgetStopsAtOnce", "ab", "abcdef", 2, 3},
		{"RunesNotBytes", "straße", "strasse", 2, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := sc.editDistance([]rune(tc.a), tc.b, tc.k); got != tc.want {
				t.Fatalf("editDistance(%q, %q, %d) = %d, want %d", tc.a, tc.b, tc.k, got, tc.want)
			}
		})
	}
}

func TestTypoBudget(t *testing.T) {
	t.Parallel()
	for runes, want := range map[int]int{1: 0, 3: 0, 4: 1, 7: 1, 8: 2, 20: 2} {
		if got := typoBudget(runes); got != want {
			t.Errorf("typoBudget(%d) = %d, want %d", runes, got, want)
		}
	}
}

func TestParseQuery(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, q string
		want    []string
		err     string
	}{
		{"RepeatedWordsCountOnce", "order Order ORDER placed", []string{"order", "placed"}, ""},
		{"EmptyGivesNoTerms", "  ", nil, ""},
		{"TooLongIsRefused", strings.Repeat("a", 257), nil, "257 bytes long; at most 256"},
		{"TooManyWordsIsRefused", "a b c d e f g h i", nil, "9 distinct words; at most 8"},
		{"EightWordsAreSearched", "a b c d e f g h", []string{"a", "b", "c", "d", "e", "f", "g", "h"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := parseQuery(tc.q, SearchLimits{})
			if tc.err != "" {
				if err == nil || !errors.Is(err, ErrBadRequest) || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("parseQuery(%q) error = %v, want ErrBadRequest with %q", tc.q, err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got, cmp.Comparer(func(a, b []string) bool { return strings.Join(a, " ") == strings.Join(b, " ") })); diff != "" {
				t.Fatalf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestEditDistanceAllocatesOnce checks that the scratch buffers are reused:
// a query compares thousands of terms.
func TestEditDistanceAllocatesOnce(t *testing.T) {
	var sc editScratch
	a := []rune("shipment")
	sc.editDistance(a, "shipments", 2)
	if n := testing.AllocsPerRun(100, func() { sc.editDistance(a, "shipmint", 2) }); n != 0 {
		t.Fatalf("editDistance allocates %v times per call, want 0", n)
	}
}

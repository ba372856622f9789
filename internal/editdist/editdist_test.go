package editdist

import "testing"

func TestBetween(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"abc", "", 3}, {"", "ab", 2}, {"orders-value", "orders-value", 0},
		{"ordrs-value", "orders-value", 1}, {"kitten", "sitting", 3}, {"payment-value", "payments-value", 1},
	} {
		if got := Between(tc.a, tc.b); got != tc.want {
			t.Errorf("Between(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
		if got := Between(tc.b, tc.a); got != tc.want {
			t.Errorf("Between(%q, %q) = %d, want %d (symmetric)", tc.b, tc.a, got, tc.want)
		}
	}
}

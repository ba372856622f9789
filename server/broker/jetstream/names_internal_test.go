package jetstream

import (
	"strings"
	"testing"
)

// TestEncodeTopicIsOneToOne: distinct topic names get distinct stream tokens
// without '.', short enough for a file name, including names that differ only
// in '.' against '_' and long names that share their first 200 characters.
func TestEncodeTopicIsOneToOne(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", 240)
	names := []string{"a.b", "a_b", "a__b", "a_Db", "a_D", "a._", "a_.", "_", "__", ".", "x-y", "X",
		long, long + "b", long + ".", long + "_", strings.Repeat("_", 249), strings.Repeat(".", 249), strings.Repeat("_", 248) + "."}
	seen := map[string]string{}
	for _, n := range names {
		enc := encodeTopic(n)
		if strings.ContainsAny(enc, ".*> ") || len(enc) > maxEncoded+34 {
			t.Errorf("encodeTopic(%q) = %q: not a valid name token", n, enc)
		}
		if other, ok := seen[enc]; ok {
			t.Errorf("encodeTopic(%q) = encodeTopic(%q) = %q", n, other, enc)
		}
		seen[enc] = n
	}
	if got := encodeTopic("orders.v1_eu"); got != "orders_Dv1__eu" {
		t.Errorf("encodeTopic(orders.v1_eu) = %q", got)
	}
}

package compattest

import (
	"fmt"
	"strings"
)

// OrderEvent is a realistic JSON order of about 1 KB with 8 lines; i seeds its
// ids and total, so consecutive events differ. The validation benchmarks and
// tests of compat/jsonschema and the server's publish benchmarks send it, so
// their figures are of the same payload.
func OrderEvent(i int) string {
	var b strings.Builder
	fmt.Fprintf(&b, `{"orderId":"%08x-1f2e-4d3c-9b8a-%012x","customerId":"cus_%06d","status":"paid","placedAt":"2025-03-14T09:26:53.589Z","currency":"EUR","total":%d.%02d,"shipping":{"country":"DE","city":"Berlin","street":"Unter den Linden 77","zip":"10117"},"lines":[`, i, i, i%1000000, 100+i%900, i%100)
	for l := range 8 {
		if l > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"sku":"SKU-%05d-%d","name":"Widget number %d, blue","quantity":%d,"unitPrice":%d.99,"discount":%s}`, i%100000, l, l, 1+l, 3+l, []string{"null", "0.1", "0"}[l%3])
	}
	b.WriteString(`]}`)
	return b.String()
}

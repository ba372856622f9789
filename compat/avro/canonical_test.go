package avro

import "testing"

func TestCanonicalText(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, in, want string }{
		{"NoNamespaceIsUnchanged", `{"type":"record","name":"R","fields":[]}`, `{"type":"record","name":"R","fields":[]}`},
		{"TopLevelNamespaceIsKept", `{"type":"record","name":"R","namespace":"a","fields":[]}`, `{"type":"record","name":"R","namespace":"a","fields":[]}`},
		{"RepeatedNestedNamespaceIsDropped",
			`{"type":"record","name":"R","namespace":"a","fields":[{"name":"f","type":{"type":"enum","namespace":"a","name":"E","symbols":["X"]}}]}`,
			`{"type":"record","name":"R","namespace":"a","fields":[{"name":"f","type":{"type":"enum","name":"E","symbols":["X"]}}]}`},
		{"OtherNestedNamespaceIsKept",
			`{"type":"record","name":"R","namespace":"a","fields":[{"name":"f","type":{"type":"fixed","name":"F","namespace":"b","size":2}}]}`,
			`{"type":"record","name":"R","namespace":"a","fields":[{"name":"f","type":{"type":"fixed","name":"F","namespace":"b","size":2}}]}`},
		{"NamespaceFromDottedNameIsInherited",
			`{"type":"record","name":"a.b.R","fields":[{"name":"f","type":["null",{"type":"array","items":{"type":"record","name":"S","namespace":"a.b","fields":[]}}]}]}`,
			`{"type":"record","name":"a.b.R","fields":[{"name":"f","type":["null",{"type":"array","items":{"type":"record","name":"S","fields":[]}}]}]}`},
		{"InnerNamespaceGovernsDeeperTypes",
			`{"type":"record","name":"R","namespace":"a","fields":[{"name":"f","type":{"type":"record","name":"S","namespace":"b","fields":[{"name":"g","type":{"type":"map","values":{"type":"enum","name":"E","namespace":"b","symbols":["X"]}}}]}}]}`,
			`{"type":"record","name":"R","namespace":"a","fields":[{"name":"f","type":{"type":"record","name":"S","namespace":"b","fields":[{"name":"g","type":{"type":"map","values":{"type":"enum","name":"E","symbols":["X"]}}}]}}]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := canonicalText(tc.in); got != tc.want {
				t.Errorf("canonicalText:\n got %s\nwant %s", got, tc.want)
			}
			if _, err := Parse(tc.want, nil); err != nil {
				t.Errorf("canonical text does not parse: %v", err)
			}
		})
	}
}

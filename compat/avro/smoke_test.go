package avro

import (
	"fmt"
	"testing"

	"github.com/heraldhq/herald/compat"
)

func TestSmoke(t *testing.T) {
	for _, s := range []string{
		`{"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"b","type":"string"},{"name":"c","type":"Money"}]}`,
		`{"type":"record","name":"R","fields":[{"name":"a","type":"int","default":"x"}]}`,
		`{"type":"record","name":"R","fields":[{"name":"a","type":{"type":"array","items":{"type":"record","name":"S","fields":[{"name":"q","type":"strin"}]}}}]}`,
		`{"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"a","type":"int"}]}`,
		`{"type":"enum","name":"E","symbols":["A","A"]}`,
		`["int","int"]`,
		"{\"type\":\"record\",\n\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"}",
		`"string"`,
		`{"type":"record","name":"x.R","aliases":["Old"],"fields":[{"name":"a","type":["null","R"],"default":null},{"name":"n","type":{"type":"record","name":"N","namespace":"","fields":[]}},{"name":"m","type":{"type":"long","logicalType":"timestamp-millis"},"default":5,"aliases":["z","b"]}]}`,
	} {
		sc, err := Parse(s, nil)
		if err != nil {
			fmt.Printf("ERR %v\n", err)
			continue
		}
		fmt.Println(sc.Canonical())
		fmt.Println(sc.Normalized())
		sc2, err := Parse(sc.Normalized(), nil)
		fmt.Println(err, sc2 != nil && sc2.Normalized() == sc.Normalized())
	}
	r, _ := Parse(`{"type":"record","name":"R","fields":[{"name":"a","type":"long"},{"name":"e","type":"string"},{"name":"k","type":{"type":"enum","name":"K","symbols":["A"]}}]}`, nil)
	w, _ := Parse(`{"type":"record","name":"R","fields":[{"name":"a","type":"string"},{"name":"k","type":{"type":"enum","name":"K","symbols":["A","B"]}}]}`, nil)
	for _, v := range (Format{}).CanRead(r, w, compat.Options{}) {
		fmt.Printf("%+v\n", v)
	}
	err := r.Validate([]byte(`{"a":"x","e":3,"k":"C","zz":1}`), compat.EncodingJSON)
	fmt.Println(err)
}

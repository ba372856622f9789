package catalog_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/heraldhq/herald/catalog"
	"github.com/heraldhq/herald/catalog/catalogtest"
	"github.com/heraldhq/herald/compat"
)

// asyncAPISchema compiles the official AsyncAPI 3.0.0 JSON Schema (from the npm
// package @asyncapi/specs, kept in testdata with its licence).
func asyncAPISchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open("../testdata/asyncapi/asyncapi-3.0.0.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	const id = "http://asyncapi.com/definitions/3.0.0/asyncapi.json"
	if err := c.AddResource(id, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(id)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestAsyncAPIExportValidates(t *testing.T) {
	t.Parallel()
	svc, _, _ := newDemo(t)
	schema := asyncAPISchema(t)
	if len(svc.Document().Services) == 0 {
		t.Fatal("the demo has no services to export")
	}
	for _, a := range svc.Document().Services {
		b, err := svc.AsyncAPIJSON(context.Background(), a.ID)
		if err != nil {
			t.Fatal(err)
		}
		v, err := jsonschema.UnmarshalJSON(strings.NewReader(string(b)))
		if err != nil {
			t.Fatal(err)
		}
		if err := schema.Validate(v); err != nil {
			t.Errorf("%s: export is not valid AsyncAPI 3.0:\n%v\n%s", a.ID, err, b)
		}
	}
	y, err := svc.AsyncAPI(context.Background(), "order-service")
	if err != nil || !strings.Contains(string(y), "asyncapi: 3.0.0") || !strings.Contains(string(y), "schemaFormat: application/vnd.apache.avro+json;version=1.9.0") {
		t.Fatalf("yaml export: %v\n%s", err, y)
	}
}

func TestAsyncAPIRoundTrip(t *testing.T) {
	t.Parallel()
	src, _, _ := newDemo(t)
	y, err := src.AsyncAPI(context.Background(), "inventory-service")
	if err != nil {
		t.Fatal(err)
	}
	// Import into an empty catalog: the service, its events and their schemas
	// come back.
	reg := catalogtest.NewRegistry()
	dst, err := catalog.New(context.Background(), catalog.Config{Store: &catalogtest.Store{}, Registry: reg})
	if err != nil {
		t.Fatal(err)
	}
	res, err := dst.ImportAsyncAPI(context.Background(), y)
	if err != nil {
		t.Fatal(err)
	}
	if res.Service != "inventory-service" || len(res.Events) != 6 || res.Schemas != 6 {
		t.Fatalf("import = %+v", res)
	}
	a, err := dst.Application("inventory-service")
	if err != nil || len(a.Sends) != 3 || len(a.Receives) != 3 {
		t.Fatalf("service = %+v, %v", a, err)
	}
	sv, _, err := reg.Schema(context.Background(), "stock-reserved-value", catalog.Latest)
	if err != nil || sv.Type != compat.Protobuf {
		t.Fatalf("schema = %+v, %v", sv, err)
	}
	ev, err := dst.Event("order-placed")
	if err != nil || ev == nil || ev.Topic != "order-placed" || len(ev.Examples) != 2 {
		t.Fatalf("event = %+v, %v", ev, err)
	}
	b, err := json.Marshal(ev.Examples[0].Value)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "orderId") {
		t.Fatalf("example lost: %s", b)
	}
}

func TestAsyncAPIImportErrors(t *testing.T) {
	t.Parallel()
	svc, _, _ := newDemo(t)
	before := svc.Counts()
	for name, doc := range map[string]string{
		"version":   "asyncapi: 2.6.0\ninfo: {title: x, version: '1'}\n",
		"action":    "asyncapi: 3.0.0\ninfo: {title: x, version: '1'}\noperations:\n  a: {action: publish, channel: {$ref: '#/channels/c'}}\nchannels:\n  c: {address: c}\n",
		"reference": "asyncapi: 3.0.0\ninfo: {title: x, version: '1'}\noperations:\n  a: {action: send, channel: {$ref: '#/channels/nope'}}\n",
		"syntax":    "asyncapi: 3.0.0\ninfo: {title: x\n",
		"notAMap":   "[asyncapi, 3.0.0]\n",
		// Nested aliases: about 600 bytes that would expand to 9^7 strings once
		// the example payload is encoded again.
		"aliases": aliasBomb(7),
	} {
		if _, err := svc.ImportAsyncAPI(context.Background(), []byte(doc)); err == nil || !strings.Contains(err.Error(), "invalid AsyncAPI") {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	if after := svc.Counts(); after != before {
		t.Errorf("refused imports changed the catalog: %+v, then %+v", before, after)
	}
	_, err := svc.ImportAsyncAPI(context.Background(), []byte(aliasBomb(7)))
	if want := "2:10: YAML aliases are not supported in AsyncAPI documents: repeat the value"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("aliases: err = %v, want it to say %q", err, want)
	}
}

// aliasBomb returns an AsyncAPI document whose one message has an example
// that nests depth levels of nine aliases each.
func aliasBomb(depth int) string {
	var b strings.Builder
	b.WriteString("l0: &l0 [a, a, a, a, a, a, a, a, a]\n")
	for i := 1; i <= depth; i++ {
		fmt.Fprintf(&b, "l%d: &l%d [%s]\n", i, i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*l%d, ", i-1), 9), ", "))
	}
	b.WriteString("asyncapi: 3.0.0\ninfo: {title: bomb, version: '1'}\n")
	b.WriteString("channels:\n  c:\n    address: c\n    messages:\n      m:\n        payload: {type: object}\n")
	fmt.Fprintf(&b, "        examples:\n          - payload: {x: *l%d}\n", depth)
	b.WriteString("operations:\n  o: {action: send, channel: {$ref: '#/channels/c'}}\n")
	return b.String()
}

// FuzzImportAsyncAPI imports any document into an empty catalog. It must not
// panic, and a refusal is one the API maps to a 4xx: an invalid document, a
// catalog it would make invalid, or a schema the registry refuses.
func FuzzImportAsyncAPI(f *testing.F) {
	src, _, _ := newDemo(f)
	for _, id := range []string{"inventory-service", "order-service"} {
		y, err := src.AsyncAPI(context.Background(), id)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(y))
	}
	f.Add(aliasBomb(2))
	f.Add("asyncapi: 3.0.0\ninfo: {title: x, version: '1'}\noperations:\n  a: {action: send, channel: {$ref: '#/channels/c'}}\nchannels:\n  c: {address: c, messages: {m: {$ref: '#/channels/c/messages/m'}}}\n")
	f.Fuzz(func(t *testing.T, doc string) {
		dst, err := catalog.New(context.Background(), catalog.Config{Store: &catalogtest.Store{}, Registry: catalogtest.NewRegistry()})
		if err != nil {
			t.Fatal(err)
		}
		_, err = dst.ImportAsyncAPI(context.Background(), []byte(doc))
		var ae *catalog.ApplyError
		if err != nil && !errors.Is(err, catalog.ErrInvalidAsyncAPI) && !errors.As(err, &ae) && !errors.Is(err, catalog.ErrInvalid) &&
			!strings.Contains(err.Error(), "register the payload") {
			t.Fatalf("ImportAsyncAPI error %T: %v", err, err)
		}
	})
}

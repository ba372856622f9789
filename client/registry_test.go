package client_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/heraldhq/herald/client"
	"github.com/heraldhq/herald/compat"
)

func TestNewRejectsBadURL(t *testing.T) {
	t.Parallel()
	for _, u := range []string{"", "localhost:8081", "ftp://x", "http://"} {
		if _, err := client.New(u); err == nil {
			t.Errorf("New(%q) = nil error", u)
		}
	}
}

func TestSchemaByIDIsCached(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	id := e.register(t, "orders-value", client.Schema{Type: compat.JSON, Text: orderJSON})

	got, err := e.c.SchemaByID(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if got.Type != compat.JSON || got.Text == "" {
		t.Errorf("SchemaByID = %+v", got)
	}
	if n := e.rt.count("GET", "/schemas/ids/"); n != 1 {
		t.Fatalf("first SchemaByID made %d requests, want 1", n)
	}
	again, err := e.c.SchemaByID(ctx, id)
	if err != nil || again.Text != got.Text {
		t.Fatalf("second SchemaByID = %+v, %v", again, err)
	}
	if n := e.rt.count("GET", "/schemas/ids/"); n != 1 {
		t.Errorf("second SchemaByID made a request: %d in all", n)
	}
}

func TestSchemaByIDConcurrentMissesShareOneRequest(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.register(t, "orders-value", client.Schema{Type: compat.JSON, Text: orderJSON})
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := e.c.SchemaByID(context.Background(), id); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := e.rt.count("GET", "/schemas/ids/"); n != 1 {
		t.Errorf("16 concurrent misses made %d requests, want 1", n)
	}
}

func TestSchemaByIDNotFound(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, err := e.c.SchemaByID(context.Background(), 999)
	if !client.IsNotFound(err) {
		t.Fatalf("err = %v, want not found", err)
	}
	var ae *client.APIError
	if !errors.As(err, &ae) || ae.Status != 404 || ae.Code != 40403 || ae.Message == "" {
		t.Errorf("APIError = %+v", ae)
	}
}

func TestRegisterAndLookup(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	s := client.Schema{Type: compat.Avro, Text: orderAvro}
	id := e.register(t, "orders-value", s)
	if id2 := e.register(t, "orders-value", s); id2 != id {
		t.Errorf("second Register = %d, want %d", id2, id)
	}
	if n := e.rt.count("POST", "/subjects/orders-value/versions"); n != 1 {
		t.Errorf("two Registers of one schema made %d requests, want 1", n)
	}

	got, err := e.c.Lookup(ctx, "orders-value", s, false)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != id || got.Version != 1 || got.Subject != "orders-value" || got.Type != compat.Avro {
		t.Errorf("Lookup = %+v", got)
	}
	latest, err := e.c.Latest(ctx, "orders-value")
	if err != nil || latest.ID != id || latest.Version != 1 {
		t.Errorf("Latest = %+v, %v", latest, err)
	}

	other := client.Schema{Type: compat.Avro, Text: `{"type":"record","name":"Other","fields":[]}`}
	if _, err := e.c.Lookup(ctx, "orders-value", other, false); !client.IsNotFound(err) {
		t.Errorf("Lookup of an unregistered schema: %v, want not found", err)
	}
	if _, err := e.c.Latest(ctx, "nope"); !client.IsNotFound(err) {
		t.Errorf("Latest of an unknown subject: %v, want not found", err)
	}
	if _, err := e.c.Register(ctx, "bad", client.Schema{Type: compat.Avro, Text: `{"type":"nope"}`}, false); !client.IsInvalidSchema(err) {
		t.Errorf("Register of a bad schema: %v, want invalid schema", err)
	}
}

func TestRegisterIncompatible(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.register(t, "orders-value", client.Schema{Type: compat.Avro, Text: orderAvro})
	// A new field without a default: BACKWARD refuses it.
	_, err := e.c.Register(context.Background(), "orders-value", client.Schema{Type: compat.Avro,
		Text: `{"type":"record","name":"Order","fields":[{"name":"id","type":"string"},{"name":"amount","type":"double"},{"name":"note","type":"string"}]}`}, false)
	if !client.IsIncompatible(err) {
		t.Fatalf("err = %v, want incompatible", err)
	}
	var ae *client.APIError
	if errors.As(err, &ae) && len(ae.Violations) == 0 {
		t.Errorf("409 without violations: %+v", ae)
	}
}

func TestCheckCompatibility(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	e.register(t, "orders-value", client.Schema{Type: compat.Avro, Text: orderAvro})

	ok, err := e.c.CheckCompatibility(ctx, "orders-value", client.Schema{Type: compat.Avro,
		Text: `{"type":"record","name":"Order","fields":[{"name":"id","type":"string"},{"name":"amount","type":"double"},{"name":"note","type":"string","default":""}]}`})
	if err != nil {
		t.Fatal(err)
	}
	if !ok.Compatible || len(ok.Violations) != 0 || ok.Level != compat.Backward {
		t.Errorf("compatible report = %+v", ok)
	}

	bad, err := e.c.CheckCompatibility(ctx, "orders-value", client.Schema{Type: compat.Avro,
		Text: `{"type":"record","name":"Order","fields":[{"name":"id","type":"string"},{"name":"amount","type":"double"},{"name":"note","type":"string"}]}`})
	if err != nil {
		t.Fatal(err)
	}
	if bad.Compatible || len(bad.Violations) != 1 {
		t.Fatalf("incompatible report = %+v", bad)
	}
	v := bad.Violations[0]
	if v.Rule != "READER_FIELD_MISSING_DEFAULT_VALUE" || v.Path == "" || v.Message == "" || v.Direction != compat.DirBackward || v.Version != 1 {
		t.Errorf("violation = %+v", v)
	}
}

func TestOptionsSendHeaders(t *testing.T) {
	t.Parallel()
	var got http.Header
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		w.WriteHeader(http.StatusBadGateway)
		_, _ = w.Write([]byte("<html>bad gateway</html>"))
	}))
	defer hs.Close()
	c, err := client.New(hs.URL+"/", client.ClientName("billing"), client.BasicAuth("u", "p"), client.Header("X-Team", "a"), client.Timeout(0))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Latest(context.Background(), "orders-value")
	var ae *client.APIError
	if !errors.As(err, &ae) || ae.Status != http.StatusBadGateway || ae.Code != 50005 {
		t.Fatalf("err = %v, want an APIError with code 50005", err)
	}
	user, pass, ok := (&http.Request{Header: got}).BasicAuth()
	if got.Get("Herald-Client") != "billing" || !ok || user != "u" || pass != "p" || got.Get("X-Team") != "a" ||
		got.Get("Accept") != "application/vnd.schemaregistry.v1+json" {
		t.Errorf("headers = %v", got)
	}
}

package client_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/heraldhq/herald/client"
	"github.com/heraldhq/herald/compat"
)

// ExampleProducer publishes order events to the "orders" topic. Each event is
// validated against the topic's schema before anything is sent: a bad event is
// refused locally with every problem and its path.
func ExampleProducer() {
	// A throwaway Herald server; in real code this is the server's URL.
	var t exampleT
	url := startServer(&t)
	defer t.cleanup()

	ctx := context.Background()
	c, err := client.New(url, client.ClientName("order-service"))
	if err != nil {
		log.Fatal(err)
	}
	if _, err := c.Register(ctx, "orders-value", client.Schema{Type: compat.JSON, Text: orderJSON}, false); err != nil {
		log.Fatal(err)
	}
	createTopic(url, "orders", `{"valueSubject":"orders-value"}`)

	p, err := c.NewProducer(ctx, "orders")
	if err != nil {
		log.Fatal(err)
	}
	offsets, err := p.Publish(ctx,
		client.Event{ID: "order-1", Value: []byte(`{"id":"o1","amount":12.5}`)},
		client.Event{ID: "order-2", Value: []byte(`{"id":"o2","amount":3}`)},
	)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("offsets:", offsets)

	_, err = p.Publish(ctx, client.Event{Value: []byte(`{"id":"o3"}`)})
	var bad *compat.InvalidPayloadError
	if errors.As(err, &bad) {
		fmt.Println("refused locally:", len(bad.Problems), "problem")
	}
	// Output:
	// offsets: [0 1]
	// refused locally: 1 problem
}

// createTopic creates a broker topic; operators usually do this with
// `herald topic` or the REST API.
func createTopic(url, name, config string) {
	req, err := http.NewRequest("PUT", url+"/v1/topics/"+name, strings.NewReader(config))
	if err != nil {
		log.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
}

// exampleT is the testing.TB an Example needs to start a server.
type exampleT struct {
	testing.TB
	cleanups []func()
	dirs     []string
}

func (t *exampleT) Helper()                      {}
func (t *exampleT) Fatal(args ...any)            { log.Fatal(args...) }
func (t *exampleT) Error(args ...any)            { log.Print(args...) }
func (t *exampleT) Cleanup(f func())             { t.cleanups = append(t.cleanups, f) }
func (t *exampleT) Fatalf(f string, args ...any) { log.Fatalf(f, args...) }
func (t *exampleT) TempDir() string {
	d, err := os.MkdirTemp("", "herald-example")
	if err != nil {
		log.Fatal(err)
	}
	t.dirs = append(t.dirs, d)
	return d
}

func (t *exampleT) cleanup() {
	for i := len(t.cleanups) - 1; i >= 0; i-- {
		t.cleanups[i]()
	}
	for _, d := range t.dirs {
		_ = os.RemoveAll(d)
	}
}

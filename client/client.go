// Package client is Herald's Go SDK: a registry client with caches, serde in the
// Confluent wire format, a validating producer and a consumer helper.
//
// A Client talks to one Herald server (or any Confluent-compatible registry for
// the registry calls). Schemas fetched by id are cached forever, because a schema
// id never changes meaning; registrations are cached per subject and schema text.
//
//	c, err := client.New("http://localhost:8081", client.ClientName("billing"))
//	sch, err := c.SchemaByID(ctx, 17)
//
// Serde encodes and decodes payloads in the Confluent wire format (magic byte 0,
// big-endian schema id, for Protobuf the message-index path, then the payload),
// validating them against their schema. Producer validates events locally before
// publishing them to a topic of Herald's broker, so a bad event costs no network
// round trip; Consumer reads a stream with a consumer group or leases messages of
// a queue.
//
// The package imports only the standard library and Herald's compat packages, so
// other modules can depend on it cheaply. Every type is safe for concurrent use
// unless its comment says otherwise.
package client

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/heraldhq/herald/compat"
	"github.com/heraldhq/herald/compat/avro"
	"github.com/heraldhq/herald/compat/jsonschema"
	"github.com/heraldhq/herald/compat/protobuf"
)

// Media types the client sends.
const (
	mediaRegistry = "application/vnd.schemaregistry.v1+json"
	mediaJSON     = "application/json"
	headerClient  = "Herald-Client"
)

// maxErrorBody bounds how much of an error response is read.
const maxErrorBody = 1 << 20

// Client is a connection to a Herald server. Create it with New; it is safe for
// concurrent use.
type Client struct {
	base *url.URL
	cfg  config

	// byID holds fetched schemas by id, forever: ids are immutable.
	byID flight[int, Schema]
	// parsed holds parsed schemas by id, with their references resolved.
	parsed flight[int, compat.Schema]
	// refVersions holds referenced subject versions, fetched to resolve references.
	refVersions flight[subjectVersion, SubjectSchema]
	// registered holds ids returned by Register, by subject and schema.
	registered flight[registerKey, int]
}

// subjectVersion names one version of a subject.
type subjectVersion struct {
	subject string
	version int
}

// registerKey is what a registration is cached by.
type registerKey struct {
	subject   string
	typ       compat.SchemaType
	text      string
	refs      string
	normalize bool
}

// New returns a client for the server at baseURL (for example
// "http://localhost:8081"; a path prefix is kept). It makes no request.
func New(baseURL string, opts ...Opt) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(baseURL, "/"))
	if err != nil {
		return nil, fmt.Errorf("client: base URL %q: %w", baseURL, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("client: base URL %q: want an http or https URL", baseURL)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("client: base URL %q: no host", baseURL)
	}
	cfg := defaultConfig()
	for _, o := range opts {
		o.apply(&cfg)
	}
	if cfg.timeout < 0 {
		return nil, errors.New("client: Timeout must not be negative")
	}
	if cfg.tls != nil {
		if cfg.http, err = withTLS(cfg.http, cfg.tls); err != nil {
			return nil, err
		}
	}
	if cfg.user != "" || cfg.password != "" || cfg.token != nil {
		cfg.http = credentialsStayHome(cfg.http, u.Host)
	}
	return &Client{base: u, cfg: cfg}, nil
}

// credentialsStayHome returns a copy of hc whose redirects to any other host
// or port than home drop the Authorization header: net/http keeps it when only
// the port differs, and a server must not be able to send a client's
// credentials elsewhere. hc's own redirect policy still applies.
func credentialsStayHome(hc *http.Client, home string) *http.Client {
	out := *hc
	next := hc.CheckRedirect
	out.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if req.URL.Host != home {
			req.Header.Del("Authorization")
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
	return &out
}

// format returns the compat format for a schema type.
func format(t compat.SchemaType) (compat.Format, error) {
	switch t {
	case compat.Avro:
		return avro.New(), nil
	case compat.JSON:
		return jsonschema.New(), nil
	case compat.Protobuf:
		return protobuf.New(), nil
	}
	return nil, fmt.Errorf("%w %s", compat.ErrUnknownSchemaType, t)
}

// request is one HTTP exchange with the server.
type request struct {
	method string
	path   string // already escaped
	query  url.Values
	body   any    // marshalled as JSON when not nil
	raw    []byte // sent as it is when not nil (body is then unused)
	native bool   // a /v1 endpoint: application/json rather than the registry type
	wait   time.Duration
	// contentType overrides the body's media type, and accept the Accept header.
	contentType, accept string
}

// Request is a request for Do: one the typed methods do not cover.
type Request struct {
	// Method is the HTTP method. Empty is GET.
	Method string
	// Path is the path below the base URL, escaped, starting with a slash:
	// "/v1/topics/" + url.PathEscape(name).
	Path string
	// Query is the query string. Nil is none.
	Query url.Values
	// Body is sent as it is. Nil sends no body.
	Body []byte
	// ContentType is Body's media type. Empty is application/json.
	ContentType string
	// Accept is the media type asked for. Empty is application/json.
	Accept string
	// Wait is how long the server may hold the request before answering (a
	// long poll's wait): the Timeout is extended by it.
	Wait time.Duration
}

// Do sends a request with the client's headers, credentials and Timeout, for
// the endpoints and uses the typed methods do not cover (as franz-go's
// sr.Client.Do does). A status outside 2xx is an *APIError. A 2xx answer is
// decoded as JSON into out, unless out is nil (the answer is discarded) or a
// *[]byte, which gets the body as it is, whatever its media type. A
// *json.RawMessage gets the JSON answer byte for byte, to print or forward.
func (c *Client) Do(ctx context.Context, r Request, out any) error {
	if !strings.HasPrefix(r.Path, "/") {
		return fmt.Errorf("client: Do: path %q must start with a slash", r.Path)
	}
	if r.Wait < 0 {
		return fmt.Errorf("client: Do %s: Wait must not be negative", r.Path)
	}
	method := r.Method
	if method == "" {
		method = http.MethodGet
	}
	return c.do(ctx, request{method: method, path: r.Path, query: r.Query, raw: r.Body, native: true,
		wait: r.Wait, contentType: r.ContentType, accept: r.Accept}, out)
}

// do sends r and decodes a 2xx JSON answer into out (when not nil). Any other
// status is an *APIError.
func (c *Client) do(ctx context.Context, r request, out any) error {
	if c.cfg.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.cfg.timeout+r.wait)
		defer cancel()
	}
	u := *c.base
	u.RawPath = c.base.EscapedPath() + r.path
	p, err := url.PathUnescape(u.RawPath)
	if err != nil {
		return fmt.Errorf("%s %s: %w", r.method, r.path, err)
	}
	u.Path = p
	if len(r.query) > 0 {
		u.RawQuery = r.query.Encode()
	}
	media := mediaRegistry
	if r.native {
		media = mediaJSON
	}
	raw := r.raw
	if raw == nil && r.body != nil {
		b, err := json.Marshal(r.body)
		if err != nil {
			return fmt.Errorf("%s %s: %w", r.method, r.path, err)
		}
		raw = b
	}
	var body io.Reader
	if raw != nil {
		body = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, u.String(), body)
	if err != nil {
		return fmt.Errorf("%s %s: %w", r.method, r.path, err)
	}
	// Every POST and PUT names its type, with or without a body: Herald
	// refuses one that does not, as a web page could forge it.
	if raw != nil || r.method == http.MethodPost || r.method == http.MethodPut {
		req.Header.Set("Content-Type", cmp.Or(r.contentType, media))
	}
	req.Header.Set("Accept", cmp.Or(r.accept, media))
	for k, vs := range c.cfg.header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	if c.cfg.name != "" {
		req.Header.Set(headerClient, c.cfg.name)
	}
	if c.cfg.user != "" || c.cfg.password != "" {
		req.SetBasicAuth(c.cfg.user, c.cfg.password)
	}
	if c.cfg.token != nil {
		tok, err := c.cfg.token(ctx)
		if err != nil {
			return fmt.Errorf("%s %s: bearer token: %w", r.method, r.path, err)
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := c.cfg.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", r.method, r.path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return readAPIError(resp, r.method, r.path)
	}
	if b, ok := out.(*[]byte); ok {
		if *b, err = io.ReadAll(resp.Body); err != nil {
			return fmt.Errorf("%s %s: reading the answer: %w", r.method, r.path, err)
		}
		return nil
	}
	if out == nil || resp.StatusCode == http.StatusNoContent {
		_, _ = io.Copy(io.Discard, resp.Body)
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("%s %s: reading the answer: %w", r.method, r.path, err)
	}
	return nil
}

// flight caches values by key forever and makes concurrent misses for one key
// share a single load. Failed loads are not cached.
type flight[K comparable, V any] struct {
	mu sync.Mutex // protects m
	m  map[K]*flightCall[V]
}

// flightCall is one load: done is closed when val and err are set.
type flightCall[V any] struct {
	done chan struct{}
	val  V
	err  error
}

// get returns the cached value of k, or loads it. A caller whose ctx ends while
// waiting for another caller's load returns ctx.Err().
func (f *flight[K, V]) get(ctx context.Context, k K, load func() (V, error)) (V, error) {
	f.mu.Lock()
	if f.m == nil {
		f.m = map[K]*flightCall[V]{}
	}
	if c, ok := f.m[k]; ok {
		f.mu.Unlock()
		select {
		case <-c.done:
			if c.err != nil {
				// The load failed: try again ourselves rather than share an
				// error that may have been the other caller's context.
				return f.get(ctx, k, load)
			}
			return c.val, nil
		case <-ctx.Done():
			var zero V
			return zero, ctx.Err()
		}
	}
	c := &flightCall[V]{done: make(chan struct{})}
	f.m[k] = c
	f.mu.Unlock()
	c.val, c.err = load()
	if c.err != nil {
		f.mu.Lock()
		if f.m[k] == c {
			delete(f.m, k)
		}
		f.mu.Unlock()
	}
	close(c.done)
	return c.val, c.err
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// defaultServer is where the broker CLI commands find Herald.
const defaultServer = "http://127.0.0.1:8081"

// clientFlags are the flags every broker CLI command shares.
type clientFlags struct {
	// Server is Herald's base URL (--server, HERALD_SERVER).
	Server string
	// Client names this client to the broker (Herald-Client), for lineage.
	Client string
	// Timeout bounds each request (a long poll adds its wait).
	Timeout time.Duration
	// creds are --user and --token (credentials.go).
	creds *credentialFlags
}

func addClientFlags(fs *pflag.FlagSet) *clientFlags {
	f := &clientFlags{}
	fs.StringVar(&f.Server, "server", defaultServer, "Herald server URL")
	fs.StringVar(&f.Client, "client", "herald-cli", "client name sent as Herald-Client (observed lineage)")
	fs.DurationVar(&f.Timeout, "timeout", 30*time.Second, "timeout of each request")
	f.creds = addCredentialFlags(fs)
	return f
}

// brokerClient talks to Herald's /v1 broker API.
type brokerClient struct {
	base   string
	client string
	http   *http.Client
}

func (f *clientFlags) newClient(cmd *cobra.Command) (*brokerClient, error) {
	if err := applyEnv(cmd.Flags()); err != nil {
		return nil, err
	}
	u, err := url.Parse(f.Server)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, usageErrorf("--server %q: want a URL such as %s", f.Server, defaultServer)
	}
	hc, err := f.creds.httpClient(&http.Client{Timeout: f.Timeout}, f.Server)
	if err != nil {
		return nil, err
	}
	return &brokerClient{base: strings.TrimSuffix(f.Server, "/"), client: f.Client, http: hc}, nil
}

// apiError is an error answer of the server.
type apiError struct {
	Status    int             `json:"-"`
	ErrorCode int             `json:"error_code"`
	Message   string          `json:"message"`
	Details   json.RawMessage `json:"details,omitempty"`
}

func (e *apiError) Error() string {
	msg := fmt.Sprintf("%s (HTTP %d, error_code %d)", e.Message, e.Status, e.ErrorCode)
	if len(e.Details) > 0 && string(e.Details) != "null" {
		var pretty bytes.Buffer
		if json.Indent(&pretty, e.Details, "  ", "  ") == nil {
			msg += "\n  details: " + pretty.String()
		}
	}
	return msg
}

// do sends a request and decodes a JSON answer into out (when not nil).
func (c *brokerClient) do(ctx context.Context, method, path string, body []byte, contentType string, out any) error {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return err
	}
	// Every POST and PUT names its type, with or without a body (a receive has
	// none): the server refuses one that does not, as a web page could forge it.
	switch {
	case contentType != "":
		req.Header.Set("Content-Type", contentType)
	case body != nil || method == http.MethodPost || method == http.MethodPut:
		req.Header.Set("Content-Type", "application/json")
	}
	if c.client != "" {
		req.Header.Set("Herald-Client", c.client)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return &exitError{code: exitFailure, err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode >= 300 {
		ae := &apiError{Status: resp.StatusCode}
		if json.Unmarshal(b, ae) != nil || ae.Message == "" {
			ae.Message = strings.TrimSpace(string(b))
		}
		return &exitError{code: exitFailure, err: ae}
	}
	if out != nil && len(b) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("%s %s: unreadable answer: %w", method, path, err)
		}
	}
	return nil
}

// printJSON writes v indented.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// newTopicCommand builds `herald topic create|list|show|delete`.
func newTopicCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "topic",
		Short: "Create, list, show and delete broker topics",
	}
	cmd.AddCommand(newTopicCreateCommand(), newTopicListCommand(), newTopicShowCommand(), newTopicDeleteCommand())
	return cmd
}

func newTopicCreateCommand() *cobra.Command {
	var (
		t           map[string]any
		kind, vs    string
		ks, enc     string
		first, last int
		maxAge      string
		maxBytes    int64
		maxEvents   int64
		onInvalid   string
		dlt         string
		maxDel      int
		visibility  string
	)
	cmd := &cobra.Command{
		Use:   "create TOPIC --value-subject SUBJECT",
		Short: "Create or update a topic (idempotent)",
		Args:  cobra.ExactArgs(1),
	}
	fs := cmd.Flags()
	cf := addClientFlags(fs)
	fs.StringVar(&kind, "kind", "stream", "stream (retained, replayable) or queue (leased, deleted when acked)")
	fs.StringVar(&vs, "value-subject", "", "registry subject the event values are validated against (required)")
	fs.StringVar(&ks, "key-subject", "", "registry subject the event keys are validated against")
	fs.StringVar(&enc, "encoding", "json", "json, binary (Confluent wire format) or cloudevents")
	fs.IntVar(&first, "first-version", 0, "first allowed version of the value subject (0: any)")
	fs.IntVar(&last, "last-version", 0, "last allowed version of the value subject (0: any)")
	fs.StringVar(&maxAge, "max-age", "", "drop events older than this (90m, 12h, 7d)")
	fs.Int64Var(&maxBytes, "max-bytes", 0, "drop the oldest events beyond this many bytes")
	fs.Int64Var(&maxEvents, "max-events", 0, "drop the oldest events beyond this many events")
	fs.StringVar(&onInvalid, "on-invalid", "reject", "reject or deadletter events that break the contract")
	fs.StringVar(&dlt, "dead-letter-topic", "", "topic for invalid events and messages past --max-deliveries")
	fs.IntVar(&maxDel, "max-deliveries", 0, "queues: deliveries before a message goes to the dead-letter topic (0: unlimited)")
	fs.StringVar(&visibility, "visibility", "", "queues: default lease of a received message (30s)")
	_ = cmd.MarkFlagRequired("value-subject")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		c, err := cf.newClient(cmd)
		if err != nil {
			return err
		}
		t = map[string]any{"kind": kind, "valueSubject": vs, "encoding": enc, "onInvalid": onInvalid}
		set := func(k string, v any, ok bool) {
			if ok {
				t[k] = v
			}
		}
		set("keySubject", ks, ks != "")
		set("firstVersion", first, first != 0)
		set("lastVersion", last, last != 0)
		set("deadLetterTopic", dlt, dlt != "")
		set("maxDeliveries", maxDel, maxDel != 0)
		set("visibility", visibility, visibility != "")
		if maxAge != "" || maxBytes != 0 || maxEvents != 0 {
			r := map[string]any{}
			if maxAge != "" {
				r["maxAge"] = maxAge
			}
			if maxBytes != 0 {
				r["maxBytes"] = maxBytes
			}
			if maxEvents != 0 {
				r["maxEvents"] = maxEvents
			}
			t["retention"] = r
		}
		body, _ := json.Marshal(t)
		var out json.RawMessage
		if err := c.do(cmd.Context(), "PUT", "/v1/topics/"+url.PathEscape(args[0]), body, "application/json", &out); err != nil {
			return err
		}
		return printJSON(cmd.OutOrStdout(), out)
	}
	return cmd
}

// topicSummary is the part of a topic the list prints.
type topicSummary struct {
	Name         string `json:"name"`
	Kind         string `json:"kind"`
	ValueSubject string `json:"valueSubject"`
	Encoding     string `json:"encoding"`
	Events       int64  `json:"events"`
	Bytes        int64  `json:"bytes"`
	FirstOffset  int64  `json:"firstOffset"`
	LastOffset   int64  `json:"lastOffset"`
	Producers    []struct {
		Client string `json:"client"`
	} `json:"producers"`
	Consumers []struct {
		Client string `json:"client"`
	} `json:"consumers"`
}

func newTopicListCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List topics with their counts",
		Args:  cobra.NoArgs,
	}
	cf := addClientFlags(cmd.Flags())
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the server's JSON answer")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		c, err := cf.newClient(cmd)
		if err != nil {
			return err
		}
		var raw json.RawMessage
		if err := c.do(cmd.Context(), "GET", "/v1/topics", nil, "", &raw); err != nil {
			return err
		}
		if asJSON {
			return printJSON(cmd.OutOrStdout(), raw)
		}
		var list struct{ Topics []topicSummary }
		if err := json.Unmarshal(raw, &list); err != nil {
			return err
		}
		tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
		if _, err := fmt.Fprintln(tw, "TOPIC\tKIND\tSUBJECT\tENCODING\tEVENTS\tBYTES\tOFFSETS\tPRODUCERS\tCONSUMERS"); err != nil {
			return err
		}
		for _, t := range list.Topics {
			offs := "-"
			if t.FirstOffset >= 0 {
				offs = fmt.Sprintf("%d..%d", t.FirstOffset, t.LastOffset)
			}
			if _, err := fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%s\t%d\t%d\n", t.Name, t.Kind, t.ValueSubject, t.Encoding, t.Events, t.Bytes, offs, len(t.Producers), len(t.Consumers)); err != nil {
				return err
			}
		}
		return tw.Flush()
	}
	return cmd
}

func newTopicShowCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "show TOPIC",
		Short: "Show a topic: configuration, counts, offsets, producers and consumers seen",
		Args:  cobra.ExactArgs(1),
	}
	cf := addClientFlags(cmd.Flags())
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		c, err := cf.newClient(cmd)
		if err != nil {
			return err
		}
		var raw json.RawMessage
		if err := c.do(cmd.Context(), "GET", "/v1/topics/"+url.PathEscape(args[0]), nil, "", &raw); err != nil {
			return err
		}
		return printJSON(cmd.OutOrStdout(), raw)
	}
	return cmd
}

func newTopicDeleteCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "delete TOPIC",
		Short: "Delete a topic and every event it holds",
		Args:  cobra.ExactArgs(1),
	}
	cf := addClientFlags(cmd.Flags())
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		c, err := cf.newClient(cmd)
		if err != nil {
			return err
		}
		if err := c.do(cmd.Context(), "DELETE", "/v1/topics/"+url.PathEscape(args[0]), nil, "", nil); err != nil {
			return err
		}
		_, err = fmt.Fprintf(cmd.OutOrStdout(), "deleted topic %s\n", args[0])
		return err
	}
	return cmd
}

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/heraldhq/herald/client"
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

// newClient returns an SDK client for the flags, after applying their HERALD_*
// environment twins.
func (f *clientFlags) newClient(cmd *cobra.Command) (*client.Client, error) {
	if err := applyEnv(cmd.Flags()); err != nil {
		return nil, err
	}
	if f.Timeout < 0 {
		return nil, usageErrorf("--timeout %s: want zero (no limit) or more", f.Timeout)
	}
	creds, err := f.creds.clientOpts()
	if err != nil {
		return nil, err
	}
	c, err := client.New(f.Server, append([]client.Opt{client.ClientName(f.Client), client.Timeout(f.Timeout)}, creds...)...)
	if err != nil {
		return nil, usageErrorf("--server %q: want a URL such as %s", f.Server, defaultServer)
	}
	return c, nil
}

// brokerFailure is how the broker commands end on an SDK error (see
// serverFailure): a refusal prints as a brokerRefusal.
func brokerFailure(err error) error {
	return serverFailure(err, func(ae *client.APIError) error { return brokerRefusal{ae} })
}

// brokerRefusal prints a refusal of the broker: its message, HTTP status and
// error_code, then its details (such as one entry per invalid event) indented.
type brokerRefusal struct{ e *client.APIError }

func (r brokerRefusal) Error() string {
	msg := fmt.Sprintf("%s (HTTP %d, error_code %d)", r.e.Message, r.e.Status, r.e.Code)
	if len(r.e.Details) > 0 {
		var pretty bytes.Buffer
		if json.Indent(&pretty, r.e.Details, "  ", "  ") == nil {
			msg += "\n  details: " + pretty.String()
		}
	}
	return msg
}

func (r brokerRefusal) Unwrap() error { return r.e }

// topicPath is the escaped path of a topic, for the requests that print the
// server's answer as it is.
func topicPath(name string) string { return "/v1/topics/" + url.PathEscape(name) }

// printRaw asks the server and prints its JSON answer indented, as it is.
func printRaw(cmd *cobra.Command, c *client.Client, r client.Request) error {
	var raw json.RawMessage
	if err := c.Do(cmd.Context(), r, &raw); err != nil {
		return brokerFailure(err)
	}
	return printJSON(cmd.OutOrStdout(), raw)
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
		t := client.TopicConfig{Kind: kind, ValueSubject: vs, KeySubject: ks, Encoding: enc, FirstVersion: first, LastVersion: last,
			OnInvalid: onInvalid, DeadLetterTopic: dlt, MaxDeliveries: maxDel, Visibility: visibility}
		if r := (client.Retention{MaxAge: maxAge, MaxBytes: maxBytes, MaxEvents: maxEvents}); r != (client.Retention{}) {
			t.Retention = &r
		}
		body, err := json.Marshal(t)
		if err != nil {
			return err
		}
		return printRaw(cmd, c, client.Request{Method: http.MethodPut, Path: topicPath(args[0]), Body: body})
	}
	return cmd
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
		if asJSON {
			return printRaw(cmd, c, client.Request{Path: "/v1/topics"})
		}
		topics, err := c.Topics(cmd.Context())
		if err != nil {
			return brokerFailure(err)
		}
		tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
		if _, err := fmt.Fprintln(tw, "TOPIC\tKIND\tSUBJECT\tENCODING\tEVENTS\tBYTES\tOFFSETS\tPRODUCERS\tCONSUMERS"); err != nil {
			return err
		}
		for _, t := range topics {
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
	return newTopicNameCommand("show TOPIC", "Show a topic: configuration, counts, offsets, producers and consumers seen",
		func(cmd *cobra.Command, c *client.Client, name string) error {
			return printRaw(cmd, c, client.Request{Path: topicPath(name)})
		})
}

func newTopicDeleteCommand() *cobra.Command {
	return newTopicNameCommand("delete TOPIC", "Delete a topic and every event it holds",
		func(cmd *cobra.Command, c *client.Client, name string) error {
			if err := c.DeleteTopic(cmd.Context(), name); err != nil {
				return brokerFailure(err)
			}
			_, err := fmt.Fprintf(cmd.OutOrStdout(), "deleted topic %s\n", name)
			return err
		})
}

// newTopicNameCommand builds a topic command whose one argument is a topic
// name and whose flags are the client flags.
func newTopicNameCommand(use, short string, run func(cmd *cobra.Command, c *client.Client, name string) error) *cobra.Command {
	cmd := &cobra.Command{Use: use, Short: short, Args: cobra.ExactArgs(1)}
	cf := addClientFlags(cmd.Flags())
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		c, err := cf.newClient(cmd)
		if err != nil {
			return err
		}
		return run(cmd, c, args[0])
	}
	return cmd
}
